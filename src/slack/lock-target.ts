import type { Envelope } from "../envelope/envelope.js";
import { LockTargetError } from "./lock-errors.js";

/** The message a route lock claims: the one the event is about. */
export interface LockTarget {
  channel: string;
  ts: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === "object" && v !== null ? (v as Obj) : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const target = (channel: unknown, ts: unknown): LockTarget | null => {
  const c = str(channel);
  const t = str(ts);
  return c && t ? { channel: c, ts: t } : null;
};

function ofEvent(event: Obj): LockTarget | null {
  const type = event.type;
  if (type === "reaction_added" || type === "reaction_removed") {
    const item = obj(event.item);
    return item?.type === "message" ? target(item.channel, item.ts) : null;
  }
  // An edit or a deletion has no message of its own: its ts names no pinnable message.
  if (type === "message" && (event.subtype === "message_changed" || event.subtype === "message_deleted"))
    return null;
  return target(event.channel, event.ts);
}

function ofInteraction(body: Obj): LockTarget | null {
  const container = obj(body.container);
  if (container?.type === "message") return target(container.channel_id, container.message_ts);
  return target(obj(body.channel)?.id, obj(body.message)?.ts);
}

function describe(envelope: Envelope): string {
  const body = obj(envelope.body) ?? {};
  if (envelope.kind === "command") return `the command ${String(body.command)}`;
  if (envelope.kind === "interaction") return `the ${String(body.type)} interaction`;
  const event = obj(body.event);
  const subtype = event?.subtype ? `.${String(event.subtype)}` : "";
  return `the ${String(event?.type ?? body.type)}${subtype} event`;
}

/**
 * Message events and app_mention lock on event.channel + event.ts, reaction_added/removed on the
 * reacted message (item.channel + item.ts), block_actions and message shortcuts on their message.
 * Anything else (slash commands, team_join, edits...) has no message to claim: a clear error.
 */
export function lockTargetOf(envelope: Envelope, routeId: string): LockTarget {
  const body = obj(envelope.body) ?? {};
  let found: LockTarget | null = null;
  if (envelope.kind === "event") {
    const event = body.type === "event_callback" ? obj(body.event) : body;
    found = event ? ofEvent(event) : null;
  } else if (envelope.kind === "interaction") {
    found = ofInteraction(body);
  }
  if (found) return found;
  throw new LockTargetError(
    `route "${routeId}" claims through the slack lock, but ${describe(envelope)} is not about a message it can pin or react to ` +
      "(it needs a channel and a message ts: message, app_mention, reaction_added on a message, block_actions on a message)",
  );
}
