import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryDedupStore } from "../../src/dedup/memory.js";
import { IngressCore } from "../../src/ingress/core.js";
import { IngressPublisher } from "../../src/ingress/publisher.js";
import {
  ACCEPTED,
  DUPLICATE,
  EVENT_ID_HEADER,
  EXPLAIN_HEADER,
  OUTCOME_HEADER,
} from "../../src/ingress/results.js";
import { signSlackRequest } from "../../src/ingress/signature.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { eventCallback, SECRET, TOPIC } from "../helpers/ingress.js";
import { RecordingQueue } from "../helpers/recording-queue.js";

let queue: RecordingQueue;
let core: IngressCore;

beforeEach(() => {
  queue = new RecordingQueue();
  core = new IngressCore({
    publisher: new IngressPublisher(queue, TOPIC, 3600, new MemoryDedupStore()),
    signingSecrets: [SECRET],
    metrics: new Metrics(),
    logger: silentLogger,
  });
});
afterEach(() => queue.close());

const request = (body: string, explain: boolean) => {
  const { timestamp, signature } = signSlackRequest(SECRET, body);
  return {
    headers: {
      "content-type": "application/json",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": signature,
      ...(explain ? { [EXPLAIN_HEADER]: "1" } : {}),
    },
    rawBody: Buffer.from(body),
    receivedAt: Date.now(),
  };
};

describe("explained answers (x-slackline-explain, as `slackline send` asks)", () => {
  it("Slack's requests get the shared constants: nothing is allocated for them", async () => {
    const body = eventCallback({}, "EvSHARED1");
    expect(await core.handle(request(body, false))).toBe(ACCEPTED);
    expect(await core.handle(request(body, false))).toBe(DUPLICATE);
    expect(ACCEPTED.headers).toEqual({ "content-length": "0" });
  });

  it("a request that asks is told the outcome and the envelope id, in headers", async () => {
    const body = eventCallback({}, "EvEXPLAIN1");
    const first = await core.handle(request(body, true));
    expect(first).toMatchObject({ status: 200, body: "", outcome: "accepted", id: "EvEXPLAIN1" });
    expect(first.headers).toMatchObject({ [OUTCOME_HEADER]: "accepted", [EVENT_ID_HEADER]: "EvEXPLAIN1" });
    const again = await core.handle(request(body, true));
    expect(again.headers).toMatchObject({ [OUTCOME_HEADER]: "duplicate", [EVENT_ID_HEADER]: "EvEXPLAIN1" });
    // The shared constants were copied, not changed.
    expect(ACCEPTED.headers).toEqual({ "content-length": "0" });
    expect(DUPLICATE.headers).toEqual({ "content-length": "0" });
  });

  it("an unsigned request that asks is rejected as any other: nothing is explained", () => {
    const body = eventCallback({}, "EvUNSIGNED1");
    const req = request(body, true);
    const result = core.handle({ ...req, headers: { ...req.headers, "x-slack-signature": "v0=00" } });
    expect(result).toMatchObject({ status: 401 });
    expect((result as { headers: Record<string, string> }).headers[OUTCOME_HEADER]).toBeUndefined();
    expect(queue.published).toHaveLength(0);
  });
});
