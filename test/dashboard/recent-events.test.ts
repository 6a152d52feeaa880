import { describe, expect, it } from "vitest";
import { RecentEvents } from "../../src/dashboard/recent-events.js";
import { REDACTED } from "../../src/dashboard/redact.js";
import { sampleEnvelope } from "../../src/testing/envelopes.js";

describe("RecentEvents (the FlowObserver behind the recent-events view)", () => {
  it("keeps the last N envelopes, newest first, and forgets the oldest", () => {
    const recent = new RecentEvents(3);
    const envelopes = Array.from({ length: 5 }, () => sampleEnvelope());
    for (const e of envelopes) recent.received(e, "accepted");
    expect(recent.size).toBe(3);
    expect(recent.list().map((s) => s.eventId)).toEqual(
      envelopes
        .slice(2)
        .reverse()
        .map((e) => e.id),
    );
    expect(recent.get(envelopes[0]!.id)).toBeNull();
    expect(recent.get(envelopes[4]!.id)?.eventId).toBe(envelopes[4]!.id);
  });

  it("counts duplicates and records each group's settlements, latest result per group in the summary", () => {
    const recent = new RecentEvents(10);
    const e = sampleEnvelope();
    recent.received(e, "accepted");
    recent.received(e, "duplicate");
    recent.settled("default", e, "retried", { attempt: 1, routes: ["app_mention"], error: "Error: boom" });
    recent.settled("analytics", e, "acked", { attempt: 1, routes: ["*"] });
    recent.settled("default", e, "acked", { attempt: 2, routes: ["app_mention"] });
    const detail = recent.get(e.id)!;
    expect(detail.ingress).toEqual({ accepted: 1, duplicates: 1 });
    expect(detail.groups).toEqual([
      { group: "default", result: "acked", attempt: 2 },
      { group: "analytics", result: "acked", attempt: 1 },
    ]);
    expect(detail.history.map((h) => [h.group, h.result, h.error])).toEqual([
      ["default", "retried", "Error: boom"],
      ["analytics", "acked", null],
      ["default", "acked", null],
    ]);
    expect(recent.size).toBe(1);
  });

  it("keeps an envelope it only saw settled (received by another process) and says so", () => {
    const recent = new RecentEvents(10);
    const e = sampleEnvelope();
    recent.settled("default", e, "dead_lettered", {
      attempt: 5,
      routes: ["app_mention"],
      error: "Error: no",
    });
    const detail = recent.get(e.id)!;
    expect(detail.ingress).toBeNull();
    expect(detail.groups).toEqual([{ group: "default", result: "dead_lettered", attempt: 5 }]);
  });

  it("shows envelopes redacted, and keeps the envelope itself untouched", () => {
    const recent = new RecentEvents(2);
    const e = sampleEnvelope();
    (e.body as Record<string, unknown>).token = "legacy-token-value";
    recent.received(e, "accepted");
    const shown = recent.get(e.id)!.envelope as { body: { token: string } };
    expect(shown.body.token).toBe(REDACTED);
    expect((e.body as Record<string, unknown>).token).toBe("legacy-token-value");
  });

  it("reuses its slots: an evicted id is gone from the index even when ids come back", () => {
    const recent = new RecentEvents(2);
    const [a, b, c] = [sampleEnvelope(), sampleEnvelope(), sampleEnvelope()];
    recent.received(a!, "accepted");
    recent.received(b!, "accepted");
    recent.received(c!, "accepted"); // evicts a
    recent.received(a!, "accepted"); // evicts b, a is new again
    expect(recent.list().map((s) => s.eventId)).toEqual([a!.id, c!.id]);
    expect(recent.get(b!.id)).toBeNull();
    expect(recent.get(a!.id)!.ingress).toEqual({ accepted: 1, duplicates: 0 });
  });

  it("never throws on its caller's path, whatever it is handed", () => {
    const recent = new RecentEvents(2);
    expect(() => recent.received(null as never, "accepted")).not.toThrow();
    expect(() => recent.settled("g", undefined as never, "acked", { attempt: 1, routes: [] })).not.toThrow();
  });
});
