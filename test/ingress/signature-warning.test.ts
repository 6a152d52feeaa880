import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryDedupStore } from "../../src/dedup/memory.js";
import { IngressCore } from "../../src/ingress/core.js";
import { IngressPublisher } from "../../src/ingress/publisher.js";
import { signSlackRequest } from "../../src/ingress/signature.js";
import { Metrics } from "../../src/observability/metrics.js";
import { eventCallback, SECRET, TOPIC } from "../helpers/ingress.js";
import { captureLogger, WARN } from "../helpers/log-capture.js";
import { RecordingQueue } from "../helpers/recording-queue.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("a burst of requests that fail signature verification", () => {
  it("is one warning a minute, with the count and why, pointing at SLACK_SIGNING_SECRET", async () => {
    vi.useFakeTimers();
    const { logger, lines } = captureLogger();
    const queue = new RecordingQueue();
    const core = new IngressCore({
      publisher: new IngressPublisher(queue, TOPIC, 3600, new MemoryDedupStore()),
      signingSecrets: [SECRET],
      metrics: new Metrics(),
      logger,
    });
    const body = eventCallback();
    const wrong = signSlackRequest("not-the-secret", body);
    const request = (headers: Record<string, string>) => ({
      headers: { "content-type": "application/json", ...headers },
      rawBody: Buffer.from(body),
      receivedAt: Date.now(),
    });
    const forged = request({
      "x-slack-request-timestamp": wrong.timestamp,
      "x-slack-signature": wrong.signature,
    });
    const unsigned = request({});
    const warnings = () => lines.filter((l) => l.level === WARN);

    for (let i = 0; i < 50; i++) core.handle(i % 10 === 0 ? unsigned : forged);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]!.msg).toBe(
      "1 request failed signature verification in the last minute: is SLACK_SIGNING_SECRET right?",
    );

    // The rest of the burst is said once its minute is over.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]).toMatchObject({
      msg: "49 requests failed signature verification in the last minute: is SLACK_SIGNING_SECRET right?",
      failures: 49,
      by_reason: { missing: 4, stale: 0, mismatch: 45 },
    });
    // Nothing more: nothing failed since.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(warnings()).toHaveLength(2);
    // A valid request is no failure, and logs nothing above debug.
    const good = signSlackRequest(SECRET, body);
    await core.handle(
      request({ "x-slack-request-timestamp": good.timestamp, "x-slack-signature": good.signature }),
    );
    expect(warnings()).toHaveLength(2);
    expect(queue.published).toHaveLength(1);
    await queue.close();
  });
});
