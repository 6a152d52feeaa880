import type { Envelope, EnvelopeKind } from "../../envelope/envelope.js";

/** One inbox entry as an agent sees it: the Slack event plus the envelope's identity. */
export interface InboxEvent {
  /** The envelope id: Slack's event_id for Events API callbacks. */
  id: string;
  kind: EnvelopeKind;
  team_id: string | null;
  /** Milliseconds since the epoch when Slackline received it. */
  received_at: number;
  /** `app_mention`, `message`...; the payload type for interactions; the command for commands. */
  type: string | null;
  subtype: string | null;
  channel: string | null;
  /** The inner event for Events API envelopes (`body.event`), else the whole body. */
  event: unknown;
}

export interface EventFilter {
  /** Any of: a type (`app_mention`), `type.subtype` (`message.bot_message`), `message.im|channels|groups|mpim`. */
  types?: readonly string[];
  channel?: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === "object" && v !== null ? (v as Obj) : undefined);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** The conversation an event happened in, wherever this payload keeps it. */
function channelOf(payload: Obj): string | null {
  return (
    str(payload.channel) ??
    str(obj(payload.channel)?.id) ??
    str(obj(payload.item)?.channel) ??
    str(payload.channel_id) ??
    str(obj(payload.container)?.channel_id)
  );
}

export function describeEnvelope(envelope: Envelope): InboxEvent {
  const body = obj(envelope.body) ?? {};
  const inner = envelope.kind === "event" ? obj(body.event) : undefined;
  const payload = inner ?? body;
  const type = envelope.kind === "command" ? str(body.command) : str(payload.type);
  return {
    id: envelope.id,
    kind: envelope.kind,
    team_id: envelope.team_id,
    received_at: envelope.received_at,
    type,
    subtype: str(payload.subtype),
    channel: channelOf(payload),
    event: inner ?? envelope.body,
  };
}

/** Slack's subscription names for message events, keyed to the payload's `channel_type`. */
const CHANNEL_TYPES: Record<string, string> = {
  channels: "channel",
  groups: "group",
  im: "im",
  mpim: "mpim",
};

function typeMatches(item: InboxEvent, wanted: string): boolean {
  if (item.type === null) return false;
  if (wanted === item.type) return true;
  const [type, sub] = wanted.split(".", 2);
  if (type !== item.type || sub === undefined) return false;
  if (sub === item.subtype) return true;
  const channelType = str(obj(item.event)?.channel_type);
  return CHANNEL_TYPES[sub] !== undefined && CHANNEL_TYPES[sub] === channelType;
}

export function matches(item: InboxEvent, filter: EventFilter): boolean {
  if (filter.channel !== undefined && item.channel !== filter.channel) return false;
  if (filter.types === undefined || filter.types.length === 0) return true;
  return filter.types.some((t) => typeMatches(item, t));
}
