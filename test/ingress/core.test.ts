import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryDedupStore } from "../../src/dedup/memory.js";
import { IngressCore } from "../../src/ingress/core.js";
import { IngressPublisher } from "../../src/ingress/publisher.js";
import { signSlackRequest } from "../../src/ingress/signature.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { eventCallback, SECRET, TOPIC } from "../helpers/ingress.js";
import { RecordingQueue } from "../helpers/recording-queue.js";

// The core on its own: no HTTP server, no sockets. What every transport (HTTP, Lambda, Socket Mode) shares.
let queue: RecordingQueue;
let core: IngressCore;
let metrics: Metrics;

beforeEach(() => {
  queue = new RecordingQueue();
  metrics = new Metrics();
  const publisher = new IngressPublisher(queue, TOPIC, 3600, new MemoryDedupStore());
  core = new IngressCore({
    publisher,
    signingSecrets: ["old-secret", SECRET],
    metrics,
    logger: silentLogger,
  });
});
afterEach(() => queue.close());

const signed = (body: string, contentType = "application/json", secret = SECRET) => {
  const { timestamp, signature } = signSlackRequest(secret, body);
  return {
    headers: {
      "content-type": contentType,
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": signature,
    },
    rawBody: Buffer.from(body),
    receivedAt: 1_700_000_000_123,
  };
};

describe("IngressCore.handle", () => {
  it("publishes a signed event and resolves with an empty 200 once durable", async () => {
    const result = await core.handle(signed(eventCallback({}, "EvCORE1")));
    expect(result).toMatchObject({ status: 200, body: "", outcome: "accepted" });
    expect(queue.published).toHaveLength(1);
    expect(queue.published[0]).toMatchObject({ id: "EvCORE1", received_at: 1_700_000_000_123 });
  });

  it("accepts any of the rotation's secrets", async () => {
    const result = await core.handle(signed(eventCallback(), "application/json", "old-secret"));
    expect(result.status).toBe(200);
  });

  it("answers a rejection synchronously and publishes nothing", () => {
    const request = signed(eventCallback());
    const result = core.handle({ ...request, headers: { ...request.headers, "x-slack-signature": "v0=00" } });
    expect(result).not.toBeInstanceOf(Promise);
    expect(result).toMatchObject({ status: 401, outcome: "rejected", reason: "signature_mismatch" });
    expect((result as { headers: Record<string, string> }).headers["x-slack-no-retry"]).toBe("1");
    expect(queue.published).toHaveLength(0);
  });

  it("415 for a content type it does not take, even when signed", () => {
    const result = core.handle(signed(eventCallback(), "text/plain"));
    expect(result).toMatchObject({ status: 415, reason: "content_type" });
    expect(queue.published).toHaveLength(0);
  });

  it("echoes url_verification and publishes nothing", () => {
    const result = core.handle(signed(JSON.stringify({ type: "url_verification", challenge: "c-42" })));
    expect(result).toMatchObject({ status: 200, body: "c-42", outcome: "url_verification" });
    expect(queue.published).toHaveLength(0);
  });

  it("a duplicate resolves 200 with outcome duplicate", async () => {
    const body = eventCallback({}, "EvCOREDUP");
    await core.handle(signed(body));
    const again = await core.handle(signed(body));
    expect(again).toMatchObject({ status: 200, outcome: "duplicate" });
    expect(queue.published).toHaveLength(1);
  });

  it("a failed publish resolves (never rejects) with 503 and Retry-After", async () => {
    queue.failPublishes = true;
    const result = await core.handle(signed(eventCallback({}, "EvCOREFAIL")));
    expect(result).toMatchObject({ status: 503, outcome: "unavailable" });
    expect(result.headers["retry-after"]).toBe("5");
    expect(await metrics.publishFailures.get()).toMatchObject({ values: [{ value: 1 }] });
  });
});

describe("IngressCore.accept (transports that authenticate otherwise)", () => {
  it("publishes an envelope it is handed and tells the observer", async () => {
    const seen: string[] = [];
    const publisher = new IngressPublisher(queue, TOPIC, 3600, new MemoryDedupStore());
    const observed = new IngressCore({
      publisher,
      signingSecrets: [SECRET],
      metrics,
      logger: silentLogger,
      observer: { received: (envelope, outcome) => seen.push(`${envelope.id}:${outcome}`) },
    });
    const envelope = {
      v: 1 as const,
      id: "EvSOCKET1",
      kind: "event" as const,
      received_at: Date.now(),
      retry_num: 1,
      retry_reason: "timeout",
      team_id: "T1",
      body: JSON.parse(eventCallback({}, "EvSOCKET1")),
    };
    expect(await observed.accept(envelope)).toMatchObject({ status: 200, outcome: "accepted" });
    expect(await observed.accept(envelope)).toMatchObject({ status: 200, outcome: "duplicate" });
    expect(seen).toEqual(["EvSOCKET1:accepted", "EvSOCKET1:duplicate"]);
    expect(queue.published[0]).toMatchObject({ retry_num: 1, retry_reason: "timeout" });
  });
});
