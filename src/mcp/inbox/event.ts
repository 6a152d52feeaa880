import type { Envelope, EnvelopeKind } from "../../envelope/envelope.js";
import { routeNamesOf } from "../../handlers/router.js";
import { AGENT_EVENT_TYPE } from "../config.js";

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

/** Route names are the router's own (src/handlers/router.ts), so the inbox filters as handlers route. */
export function matches(envelope: Envelope, item: InboxEvent, filter: EventFilter): boolean {
  if (filter.channel !== undefined && item.channel !== filter.channel) return false;
  if (filter.types === undefined || filter.types.length === 0) return true;
  const names = routeNamesOf(envelope);
  return filter.types.some((t) => names.includes(t));
}

/** A message (or an edit of one) whose metadata says an agent posted it through Slackline's MCP server. */
export function isAgentMessage(envelope: Envelope): boolean {
  const event = obj(obj(envelope.body)?.event);
  if (!event) return false;
  const metadata = obj(event.metadata) ?? obj(obj(event.message)?.metadata);
  return metadata?.event_type === AGENT_EVENT_TYPE;
}
