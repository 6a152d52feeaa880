/** The fake workspace's data model and the seed shapes users pass in. Field names follow Slack's. */

export interface FakeTeam {
  id: string;
  name: string;
  domain: string;
}

/** A bot installation: a token, the bot user it acts as, and the app behind it. */
export interface FakeBot {
  token: string;
  user_id: string;
  bot_id: string;
  app_id: string;
  name: string;
}

export interface FakeUser {
  id: string;
  name: string;
  real_name: string;
  display_name: string;
  is_bot: boolean;
  bot_id?: string;
  tz: string;
  deleted: boolean;
}

export interface FakeChannel {
  id: string;
  name: string;
  is_private: boolean;
  is_archived: boolean;
  is_im: boolean;
  is_mpim: boolean;
  /** Seconds since the epoch. */
  created: number;
  creator: string;
  topic: string;
  purpose: string;
  /** Member user ids; null means "everyone", the convenient default for tests. */
  members: Set<string> | null;
}

/** Slack message metadata, as `chat.postMessage` accepts it and `include_all_metadata` returns it. */
export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  user: string;
  bot_id?: string;
  app_id?: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: MessageMetadata;
  /** Set on replies (the parent's ts) and on parents that have replies (their own ts). */
  thread_ts?: string;
  subtype?: string;
  edited?: { user: string; ts: string };
  /** Emoji name -> user ids, in the order they reacted. */
  reactions: Map<string, string[]>;
  /** Reply timestamps, ascending (parents only). */
  replies: string[];
}

export interface FakePin {
  channel: string;
  ts: string;
  /** Seconds since the epoch, as Slack reports it. */
  created: number;
  created_by: string;
}

export interface FakeReaction {
  name: string;
  users: string[];
  count: number;
}

/** One HTTP call the fake answered, for assertions. */
export interface FakeSlackCall {
  method: string;
  /** The arguments without the token. */
  args: Record<string, unknown>;
  /** The bot user the token maps to, or null when the token was missing or unknown. */
  user: string | null;
  status: number;
  ok: boolean;
  error?: string;
  /** Milliseconds since the epoch. */
  at: number;
}

export interface BotSeed {
  token: string;
  user_id?: string;
  bot_id?: string;
  app_id?: string;
  name?: string;
}

export interface UserSeed {
  id?: string;
  name: string;
  real_name?: string;
  display_name?: string;
  is_bot?: boolean;
  tz?: string;
  deleted?: boolean;
}

export interface MessageSeed {
  /** Generated (now, strictly increasing) when omitted. */
  ts?: string;
  /** Defaults to the first bot's user. */
  user?: string;
  text?: string;
  blocks?: unknown[];
  metadata?: MessageMetadata;
  /** Posts the message as a reply in that thread. */
  thread_ts?: string;
  subtype?: string;
  bot_id?: string;
}

export interface ChannelSeed {
  id?: string;
  name: string;
  is_private?: boolean;
  is_archived?: boolean;
  is_im?: boolean;
  is_mpim?: boolean;
  topic?: string;
  purpose?: string;
  /** Member user ids. Omitted: everyone (every bot and user) is a member. */
  members?: string[];
  messages?: MessageSeed[];
}

export interface FakeSlackSeed {
  users?: UserSeed[];
  channels?: ChannelSeed[];
  /** Custom emoji: name -> image URL, or `alias:<other>`. */
  emoji?: Record<string, string>;
}

/**
 * An app-level token (`xapp-...`), for the methods that take one (`apps.connections.open`). The
 * Socket Mode stand-in registers its token here and answers with a WebSocket URL of its own.
 */
export interface FakeAppToken {
  token: string;
  app_id: string;
  /** A new single-use WebSocket URL, as `apps.connections.open` returns it. */
  openConnection(): string;
}
