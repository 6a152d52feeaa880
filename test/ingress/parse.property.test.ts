import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryDedupStore } from "../../src/dedup/memory.js";
import { envelopeJson } from "../../src/envelope/envelope.js";
import { IngressCore } from "../../src/ingress/core.js";
import { bodyFormat, isSslCheck, parseSlackBody } from "../../src/ingress/parse.js";
import { IngressPublisher } from "../../src/ingress/publisher.js";
import { signSlackRequest } from "../../src/ingress/signature.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { SECRET, TOPIC } from "../helpers/ingress.js";
import { RecordingQueue } from "../helpers/recording-queue.js";

const format = fc.constantFrom("json" as const, "form" as const);
/** Bytes of every kind: random, valid and broken UTF-8, JSON and forms of any shape. */
const anyBody = fc.oneof(
  fc.uint8Array({ maxLength: 1024 }).map((b) => Buffer.from(b)),
  fc.string({ unit: "binary" }).map((s) => Buffer.from(s)),
  fc.json({ depthSize: "large" }).map((s) => Buffer.from(s)),
  fc
    .dictionary(fc.string(), fc.oneof(fc.string(), fc.json()))
    .map((d) => Buffer.from(new URLSearchParams(d).toString())),
  fc.string().map((s) => Buffer.from(`payload=${s}`)),
  fc.stringMatching(/^[%a-zA-Z0-9=&+]{0,64}$/).map((s) => Buffer.from(s)),
);

function expectClassified(parsed: ReturnType<typeof parseSlackBody>, fmt: "json" | "form"): void {
  switch (parsed.type) {
    case "malformed":
      expect(parsed.reason.length).toBeGreaterThan(0);
      break;
    case "url_verification":
      expect(fmt).toBe("json");
      expect(parsed.challenge.length).toBeGreaterThan(0);
      break;
    case "ssl_check":
      expect(fmt).toBe("form");
      break;
    case "delivery":
      expect(parsed.id.length).toBeGreaterThan(0);
      expect(typeof parsed.body).toBe("object");
      expect(parsed.kind).toSatisfy((k: string) => (fmt === "json" ? k === "event" : k !== "event"));
      break;
    default:
      throw new Error(`unclassified: ${JSON.stringify(parsed)}`);
  }
}

describe("the body parser (properties)", () => {
  it("never throws on any bytes, and classifies each body", () => {
    fc.assert(
      fc.property(format, anyBody, (fmt, raw) => {
        expect(() => isSslCheck(fmt, raw)).not.toThrow();
        expectClassified(parseSlackBody(fmt, raw.toString("utf8")), fmt);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on a Content-Type header, and takes only JSON and forms", () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: undefined }), (header) => {
        expect(["json", "form", null]).toContain(bodyFormat(header));
      }),
    );
    expect(bodyFormat("Application/JSON; charset=utf-8")).toBe("json");
  });

  it("an event_callback with an event_id and an event type is a delivery under that id", () => {
    const event = fc.record({ type: fc.string({ minLength: 1 }) }, { requiredKeys: ["type"] });
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), event, fc.json(), (id, inner, extra) => {
        const raw = JSON.stringify({
          type: "event_callback",
          event_id: id,
          event: inner,
          extra: JSON.parse(extra),
        });
        expect(parseSlackBody("json", raw)).toMatchObject({ type: "delivery", kind: "event", id });
      }),
    );
  });

  it("a deeply nested body is classified, not a crash", () => {
    for (const depth of [1_000, 100_000]) {
      const deep = `${"[".repeat(depth)}${"]".repeat(depth)}`;
      expectClassified(parseSlackBody("json", deep), "json");
      const event = `{"type":"event_callback","event_id":"EvDEEP","event":{"type":"x","n":${deep}}}`;
      expect(parseSlackBody("json", event)).toMatchObject({ type: "delivery", id: "EvDEEP" });
      expectClassified(
        parseSlackBody("form", `payload=${encodeURIComponent(`{"type":"x","n":${deep}}`)}`),
        "form",
      );
    }
  });
});

describe("the ingress core over any request (properties)", () => {
  it("a deeply nested interaction payload is queued as it came (no JSON.stringify to overflow)", async () => {
    const queue = new RecordingQueue();
    const core = new IngressCore({
      publisher: new IngressPublisher(queue, TOPIC, 3600, new MemoryDedupStore()),
      signingSecrets: [SECRET],
      metrics: new Metrics(),
      logger: silentLogger,
    });
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const raw = Buffer.from(
      `payload=${encodeURIComponent(`{"type":"block_actions","trigger_id":"t.deep","n":${deep}}`)}`,
    );
    const { timestamp, signature } = signSlackRequest(SECRET, raw);
    const result = await core.handle({
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature,
      },
      rawBody: raw,
      receivedAt: Date.now(),
    });
    expect(result.status).toBe(200);
    const json = envelopeJson(queue.published[0]!);
    expect(JSON.parse(json)).toMatchObject({
      id: "t.deep",
      kind: "interaction",
      body: { type: "block_actions" },
    });
    await queue.close();
  });

  it("answers every request with a documented status and publishes only signed deliveries", async () => {
    const contentType = fc.constantFrom(
      "application/json",
      "application/x-www-form-urlencoded",
      "text/plain",
      "application/json; charset=latin1",
      "",
    );
    await fc.assert(
      fc.asyncProperty(contentType, anyBody, fc.boolean(), async (type, raw, sign) => {
        const queue = new RecordingQueue();
        const core = new IngressCore({
          publisher: new IngressPublisher(queue, TOPIC, 3600, new MemoryDedupStore()),
          signingSecrets: [SECRET],
          metrics: new Metrics(),
          logger: silentLogger,
        });
        const signed = sign ? signSlackRequest(SECRET, raw) : null;
        const result = await core.handle({
          headers: {
            "content-type": type,
            ...(signed
              ? { "x-slack-request-timestamp": signed.timestamp, "x-slack-signature": signed.signature }
              : {}),
          },
          rawBody: raw,
          receivedAt: Date.now(),
        });
        expect([200, 400, 401, 415]).toContain(result.status);
        if (result.status >= 400) expect(result.headers["x-slack-no-retry"]).toBe("1");
        const queued = result.outcome === "accepted" ? 1 : 0;
        expect(queue.published).toHaveLength(queued);
        if (queued) expect(sign).toBe(true);
        await queue.close();
      }),
      { numRuns: 300 },
    );
  });
});
