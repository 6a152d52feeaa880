import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { signSlackRequest } from "../../src/ingress/signature.js";
import { type Child, runChild } from "../fixtures/sqlite-child-helpers.js";
import { type Running, spawnSlackline, tempDir } from "../helpers/cli.js";
import { eventCallback } from "../helpers/ingress.js";

const SECRET = "lock-secret";

async function post(url: string): Promise<{ status: number; retryAfter: string | null; ms: number }> {
  const body = eventCallback();
  const { timestamp, signature } = signSlackRequest(SECRET, body);
  const started = performance.now();
  const res = await fetch(`${url}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": signature,
    },
    body,
  });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get("retry-after"), ms: performance.now() - started };
}

async function timed(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started };
}

describe("slackline gateway while another process holds the SQLite write lock", () => {
  const running: Running[] = [];
  const children: Child[] = [];
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.kill()));
    await Promise.all(running.splice(0).map((r) => r.kill("SIGKILL")));
  });

  it("answers 503 with Retry-After within the bound, /healthz at once, and recovers when the lock is released", async () => {
    const dataDir = tempDir();
    const gateway = spawnSlackline(["gateway"], {
      SLACK_SIGNING_SECRET: SECRET,
      SLACKLINE_DATA_DIR: dataDir,
      QUEUE_BACKEND: "sqlite",
      PORT: "0",
    });
    running.push(gateway);
    const url = await gateway.url;
    expect((await post(url)).status).toBe(200);

    const holder = runChild(["hold", join(dataDir, "queue.db"), "-", "60000"]);
    children.push(holder);
    await holder.waitFor(/^holding$/);

    const [a, b, health] = await Promise.all([post(url), post(url), timed(`${url}/healthz`)]);
    for (const answer of [a, b]) {
      expect(answer.status).toBe(503);
      expect(answer.retryAfter).not.toBeNull();
      // SQLITE_LOCK_WAIT_MS is 1 s: well under Slack's 3 s.
      expect(answer.ms).toBeGreaterThan(900);
      expect(answer.ms).toBeLessThan(1800);
    }
    expect(health.status).toBe(200);
    // Blocked, it would take as long as the lock is held (the publishes wait 1 s).
    expect(health.ms).toBeLessThan(500);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toBe("queue backend sqlite unreachable\n");

    await holder.kill();
    const after = await post(url);
    expect(after.status).toBe(200);
    expect(after.ms).toBeLessThan(500);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  }, 30_000);
});
