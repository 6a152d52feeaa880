import { randomUUID } from "node:crypto";
import type { Envelope } from "../envelope/envelope.js";

/** A well-formed Events API envelope with a unique id, for tests and benchmarks. */
export function sampleEnvelope(overrides: Partial<Envelope> = {}): Envelope {
  const id = overrides.id ?? `Ev${randomUUID().replaceAll("-", "").slice(0, 12).toUpperCase()}`;
  return {
    v: 1,
    id,
    kind: "event",
    received_at: Date.now(),
    retry_num: 0,
    retry_reason: null,
    team_id: "T0001",
    body: {
      type: "event_callback",
      team_id: "T0001",
      api_app_id: "A0001",
      event_id: id,
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: "app_mention",
        user: "U0001",
        text: "<@U0BOT> hello",
        ts: "1700000000.000100",
        channel: "C0001",
      },
    },
    ...overrides,
  };
}

export const uniqueTopic = (prefix = "contract"): string => `${prefix}_${randomUUID().slice(0, 8)}`;
