import { describe, expect, it } from "vitest";
import { envelopeAroundRawBody, envelopeJson, isEnvelope } from "../../src/envelope/envelope.js";
import { sampleEnvelope } from "../../src/testing/envelopes.js";

describe("envelope JSON", () => {
  it("written around the raw body, it reads back as the same envelope", () => {
    // Whitespace, escapes and non-ASCII text as Slack might send them.
    const raw =
      ' {\n "type": "event_callback", "event_id": "Ev1",\t"event": {"type": "message", "text": "h\\u00e9 \\"q\\" 🎉"} } ';
    const envelope = envelopeAroundRawBody(
      {
        id: "Ev1",
        kind: "event",
        received_at: 1_700_000_000_123,
        retry_num: 2,
        retry_reason: 'http_"timeout"',
        team_id: null,
      },
      JSON.parse(raw),
      raw,
    );
    const json = envelopeJson(envelope);
    expect(json).toContain(raw);
    const back: unknown = JSON.parse(json);
    expect(back).toEqual(envelope);
    expect(isEnvelope(back)).toBe(true);
    // The same fields in the same order as JSON.stringify writes them.
    expect(Object.keys(back as object)).toEqual(Object.keys(JSON.parse(JSON.stringify(envelope))));
  });

  it("any other envelope is JSON.stringify's", () => {
    const envelope = sampleEnvelope();
    expect(envelopeJson(envelope)).toBe(JSON.stringify(envelope));
  });
});
