import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Envelope } from "../../src/envelope/envelope.js";
import type { Router } from "../../src/handlers/router.js";
import { ROOT } from "../helpers/cli.js";

const PAYLOADS = join(ROOT, "examples/payloads");
/** The inline-answer payloads are examples/interactive.ts's, not handlers.ts's. */
const INTERACTIVE = new Set(["block_suggestion.json", "view_submission.json", "deploy_command.json"]);

function envelopeOf(payload: Record<string, unknown>): Envelope {
  const kind = typeof payload.command === "string" ? "command" : payload.event ? "event" : "interaction";
  return {
    v: 1,
    id: String(payload.event_id ?? payload.trigger_id ?? "x"),
    kind,
    received_at: 0,
    retry_num: 0,
    retry_reason: null,
    team_id: null,
    body: payload,
  } as Envelope;
}

describe("examples/payloads: each one has a route in examples/handlers.ts", async () => {
  const router = (await import("../../examples/handlers.js")).default as unknown as Router;
  for (const file of readdirSync(PAYLOADS).filter((f) => !INTERACTIVE.has(f))) {
    it(file, () => {
      const payload = JSON.parse(readFileSync(join(PAYLOADS, file), "utf8"));
      expect(router.match(envelopeOf(payload)).length, `${file} matches no route`).toBeGreaterThan(0);
    });
  }
});
