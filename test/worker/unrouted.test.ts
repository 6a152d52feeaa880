import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { Metrics } from "../../src/observability/metrics.js";
import { sampleEnvelope } from "../../src/testing/envelopes.js";
import { UnroutedEvents } from "../../src/worker/unrouted.js";

function capturingLogger(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

const reaction = () =>
  sampleEnvelope({
    body: { type: "event_callback", event_id: "x", event: { type: "reaction_added", reaction: "eyes" } },
  });

describe("events no route matched", () => {
  it("are counted per type; the first of each type is logged at info (--dev)", async () => {
    const metrics = new Metrics();
    const { logger, lines } = capturingLogger("info");
    const unrouted = new UnroutedEvents(metrics, logger, "info");
    unrouted.hit(reaction());
    unrouted.hit(reaction());
    unrouted.hit(sampleEnvelope());
    const text = await metrics.registry.metrics();
    expect(text).toContain('slackline_unrouted_total{type="reaction_added"} 2');
    expect(text).toContain('slackline_unrouted_total{type="app_mention"} 1');
    expect(lines.map((l) => [l.level, l.type])).toEqual([
      [30, "reaction_added"],
      [30, "app_mention"],
    ]);
    expect(lines[0]!.msg).toContain('add router.on("reaction_added", ...)');
  });

  it("without --dev the line is at debug: an info logger writes nothing, the metric still counts", async () => {
    const metrics = new Metrics();
    const { logger, lines } = capturingLogger("info");
    new UnroutedEvents(metrics, logger, "debug").hit(reaction());
    expect(lines).toEqual([]);
    expect(await metrics.registry.metrics()).toContain('slackline_unrouted_total{type="reaction_added"} 1');
  });
});
