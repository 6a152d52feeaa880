import type { Envelope } from "../envelope/envelope.js";
import { commandDelivery, eventDelivery, interactionDelivery } from "../ingress/parse.js";
import { envelopeOf, FIRST_TRY, type RetryInfo } from "../ingress/request.js";
import type { IngressResult } from "../ingress/results.js";

/** What `@slack/socket-mode` emits as `slack_event` for every envelope but hello and disconnect. */
export interface SocketModeEvent {
  ack(response?: Record<string, unknown>): Promise<void>;
  envelope_id: string;
  type: string;
  body: unknown;
  retry_num?: number;
  retry_reason?: string;
  accepts_response_payload?: boolean;
}

/** The envelope types that carry a delivery, as the `type` label of the socket metrics has them. */
export const ENVELOPE_TYPES = ["events_api", "interactive", "slash_commands"] as const;
export type EnvelopeType = (typeof ENVELOPE_TYPES)[number] | "other";

export function envelopeTypeOf(type: string): EnvelopeType {
  return type === "events_api" || type === "interactive" || type === "slash_commands" ? type : "other";
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function retryOf(event: SocketModeEvent): RetryInfo {
  const num = typeof event.retry_num === "number" && event.retry_num > 0 ? event.retry_num : 0;
  const reason =
    typeof event.retry_reason === "string" && event.retry_reason !== "" ? event.retry_reason : null;
  return num === 0 && reason === null ? FIRST_TRY : { num, reason };
}

/**
 * The queue's envelope for a Socket Mode envelope, with the same ids as over HTTP (`event_id`, else
 * the `trigger_id`, else a hash of the payload); a string saying why when it carries no delivery.
 * The payload's JSON (made once) is what the envelope stores and what an id without one hashes.
 */
export function envelopeFromSocket(event: SocketModeEvent, receivedAt: number): Envelope | string {
  const { body } = event;
  if (!isRecord(body)) return `${event.type} envelope without a payload`;
  const raw = JSON.stringify(body);
  const parsed =
    event.type === "events_api"
      ? eventDelivery(body, raw)
      : event.type === "interactive"
        ? interactionDelivery(body, raw)
        : event.type === "slash_commands"
          ? commandDelivery(body, raw)
          : { type: "malformed" as const, reason: `unknown envelope type ${event.type}` };
  if (parsed.type === "malformed") return parsed.reason;
  return envelopeOf(parsed, retryOf(event), receivedAt, raw);
}

/**
 * The ack's payload: a responder's answer where the envelope takes one (JSON back to an object, a
 * text answer as `{ text }`, as Slack reads a command's reply), else none.
 */
export function ackPayloadOf(
  result: IngressResult,
  acceptsResponsePayload: boolean | undefined,
): Record<string, unknown> | undefined {
  if (!acceptsResponsePayload || result.body === "") return undefined;
  const contentType = result.headers["content-type"] ?? "";
  if (contentType.startsWith("application/json")) {
    const value: unknown = JSON.parse(result.body);
    return isRecord(value) ? value : undefined;
  }
  return { text: result.body };
}
