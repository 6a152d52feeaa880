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

/**
 * An envelope made by ingress from a JSON request: its JSON is written around the raw body as
 * received (which was parsed into `body`), so publishing it costs no JSON.stringify of a body that was
 * JSON to begin with. A class, so the prebuilt JSON rides along in a private field that neither
 * JSON.stringify nor a spread copies. Not to be changed once made.
 */
class ReceivedEnvelope implements Envelope {
  readonly v = ENVELOPE_VERSION;
  readonly id: string;
  readonly kind: EnvelopeKind;
  readonly received_at: number;
  readonly retry_num: number;
  readonly retry_reason: string | null;
  readonly team_id: string | null;
  readonly body: unknown;
  readonly #json: string;

  constructor(meta: Omit<Envelope, "v" | "body">, body: unknown, rawBody: string) {
    this.id = meta.id;
    this.kind = meta.kind;
    this.received_at = meta.received_at;
    this.retry_num = meta.retry_num;
    this.retry_reason = meta.retry_reason;
    this.team_id = meta.team_id;
    this.body = body;
    this.#json =
      `{"v":1,"id":${JSON.stringify(meta.id)},"kind":"${meta.kind}","received_at":${meta.received_at},` +
      `"retry_num":${meta.retry_num},"retry_reason":${JSON.stringify(meta.retry_reason)},` +
      `"team_id":${JSON.stringify(meta.team_id)},"body":${rawBody}}`;
  }

  get json(): string {
    return this.#json;
  }
}

/** An Events API envelope whose JSON is `rawBody` (already parsed into `body`) with the fields around it. */
export function envelopeAroundRawBody(
  meta: Omit<Envelope, "v" | "body">,
  body: unknown,
  rawBody: string,
): Envelope {
  return new ReceivedEnvelope(meta, body, rawBody);
}

/** True when the envelope carries its JSON already (made by ingress): envelopeJson() costs nothing. */
export const hasPrebuiltJson = (envelope: Envelope): boolean => envelope instanceof ReceivedEnvelope;

/** The envelope as JSON, as every backend stores it. */
export function envelopeJson(envelope: Envelope): string {
  return envelope instanceof ReceivedEnvelope ? envelope.json : JSON.stringify(envelope);
}
