import type { JsMsg } from "@nats-io/jetstream";

const encoder = new TextEncoder();
export const ACK = encoder.encode("+ACK");
export const TERM = encoder.encode("+TERM");
export const WORKING = encoder.encode("+WPI");
const NAK = encoder.encode("-NAK");

export const nakPayload = (delayMs: number): Uint8Array =>
  delayMs > 0 ? encoder.encode(`-NAK ${JSON.stringify({ delay: Math.round(delayMs) * 1_000_000 })}`) : NAK;

/**
 * The subject an ack-family reply (+ACK, -NAK, +TERM, +WPI) goes to. They are sent as requests, so
 * each resolves only once the server processed it: the client's own nak()/term()/working() are
 * fire-and-forget, and a lost nak would silently turn a short retry delay into a full lease.
 */
export function ackSubject(msg: JsMsg): string {
  // JsMsg keeps the ack subject as `reply` on its implementation; the type does not expose it.
  const reply = (msg as unknown as { reply?: string }).reply;
  if (!reply) throw new Error("JetStream message has no ack subject");
  return reply;
}
