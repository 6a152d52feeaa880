import { describe, expect, it } from "vitest";
import { RetryLaterError, SlacklineError, UnrecoverableError } from "../../src/errors.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import type { Delivery } from "../../src/queue/types.js";
import { sampleEnvelope } from "../../src/testing/envelopes.js";
import { failureOf } from "../../src/worker/failure.js";
import { Settler } from "../../src/worker/settle.js";
import type { Task } from "../../src/worker/task.js";

/** A delivery that records how it was settled (the settler is what is under test, not the queue). */
function recordingDelivery(attempt: number) {
  const calls: string[] = [];
  const delivery: Delivery = {
    id: "1",
    topic: "t",
    message: sampleEnvelope(),
    attempt,
    ack: async () => void calls.push("ack"),
    retry: async (delayMs, error) => void calls.push(`retry ${delayMs} ${error}`),
    deadLetter: async (reason) => void calls.push(`dead ${reason}`),
    extend: async () => {},
  };
  return { delivery, calls };
}

const task = (delivery: Delivery, errors: unknown[]): Task => ({
  delivery,
  routes: [],
  markerKeys: [],
  ran: errors.length,
  failures: errors.length ? errors.map((e, i) => failureOf(`r${i}`, e)) : null,
  markersWritten: null,
});

const settler = (maxAttempts = 5) =>
  new Settler({
    group: "g",
    maxAttempts,
    backoff: { baseMs: 1000, capMs: 1000 },
    metrics: new Metrics(),
    logger: silentLogger,
  });

describe("failureOf", () => {
  it("recognises the signals by code, also from another copy of the package", () => {
    expect(failureOf("r", new UnrecoverableError("never")).unrecoverable).toBe(true);
    expect(failureOf("r", new RetryLaterError(1500)).requestedDelayMs).toBe(1500);
    const foreign = Object.assign(new Error("x"), { code: "SLACKLINE_RETRY_LATER", delayMs: 70 });
    expect(failureOf("r", foreign).requestedDelayMs).toBe(70);
    expect(failureOf("r", new SlacklineError("SLACKLINE_CONFIG", "c"))).toEqual({
      route: "r",
      error: "SlacklineError: c",
    });
  });

  it("RetryLaterError refuses a negative delay", () => {
    expect(() => new RetryLaterError(-1)).toThrow(RangeError);
  });
});

describe("Settler", () => {
  it("acks when nothing failed", async () => {
    const { delivery, calls } = recordingDelivery(1);
    await settler().settle(task(delivery, []));
    expect(calls).toEqual(["ack"]);
  });

  it("an UnrecoverableError dead-letters on the first attempt", async () => {
    const { delivery, calls } = recordingDelivery(1);
    await settler().settle(task(delivery, [new UnrecoverableError("bad input")]));
    expect(calls).toEqual(["dead unrecoverable: r0: UnrecoverableError: bad input"]);
  });

  it("a RetryLaterError's delay is used as it is, without the backoff", async () => {
    const { delivery, calls } = recordingDelivery(1);
    await settler().settle(task(delivery, [new RetryLaterError(42, "later")]));
    expect(calls).toEqual(["retry 42 r0: RetryLaterError: later"]);
  });

  it("beside a plain failure, the longer of the backoff and the requested delay", async () => {
    const short = recordingDelivery(1);
    await settler().settle(task(short.delivery, [new RetryLaterError(42), new Error("boom")]));
    const delay = Number(short.calls[0]!.split(" ")[1]);
    expect(delay).toBeGreaterThanOrEqual(500); // the backoff's half-fixed part
    const long = recordingDelivery(1);
    await settler().settle(task(long.delivery, [new RetryLaterError(60_000), new Error("boom")]));
    expect(long.calls[0]).toMatch(/^retry 60000 /);
  });

  it("the last attempt dead-letters even when a handler asked for a retry", async () => {
    const { delivery, calls } = recordingDelivery(3);
    await settler(3).settle(task(delivery, [new RetryLaterError(10, "later")]));
    expect(calls).toEqual(["dead r0: RetryLaterError: later"]);
  });
});
