import type { Envelope } from "../envelope/envelope.js";

type Loose = Record<string, unknown> | undefined;

/** What the event is, as `slackline dlq list` names it: the inner event's type, an interaction's type, or the command. */
export function typeOf(envelope: Envelope): string {
  const body = (typeof envelope.body === "object" && envelope.body !== null ? envelope.body : {}) as Loose;
  const event = body?.event as Loose;
  const type = event?.type ?? body?.type ?? body?.command;
  return typeof type === "string" ? type : envelope.kind;
}

/** The message text an event carries, if any (searched by the dead-letter filter). */
export function textOf(envelope: Envelope): string {
  const body = (typeof envelope.body === "object" && envelope.body !== null ? envelope.body : {}) as Loose;
  const event = body?.event as Loose;
  const text = event?.text ?? body?.text;
  return typeof text === "string" ? text.slice(0, 500) : "";
}
