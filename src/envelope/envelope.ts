/** What the queue carries: one Slack delivery, as received, plus the metadata a worker needs. Version 1. */
export type EnvelopeKind = "event" | "interaction" | "command";

export interface Envelope<Body = unknown> {
  v: 1;
  /** Dedup key: `event_id` for Events API callbacks, a stable key for interactions and commands. */
  id: string;
  kind: EnvelopeKind;
  /** Milliseconds since the epoch when ingress received the request. */
  received_at: number;
  /** Slack's `X-Slack-Retry-Num` (0 on the first try). */
  retry_num: number;
  /** Slack's `X-Slack-Retry-Reason`, or null. */
  retry_reason: string | null;
  team_id: string | null;
  body: Body;
}

export const ENVELOPE_VERSION = 1 as const;

export function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== "object" || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    e.v === ENVELOPE_VERSION &&
    typeof e.id === "string" &&
    (e.kind === "event" || e.kind === "interaction" || e.kind === "command") &&
    typeof e.received_at === "number" &&
    "body" in e
  );
}
