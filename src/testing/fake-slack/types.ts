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
  /** Shown in `profile.email` to tokens with users:read.email (or no scope list). */
  email?: string;
}

/** A user token (xoxp): calls act as that user, and only it may call search.messages. */
export interface FakeUserToken {
  token: string;
  user_id: string;
}

/** Who a token acts as: a bot installation or a user. */
export interface FakeCaller {
  kind: "bot" | "user";
  token: string;
  user_id: string;
  bot_id?: string;
  app_id?: string;
  /** The token's OAuth scopes; null grants every scope (the default, so tests need not list them). */
  scopes: ReadonlySet<string> | null;
}

export interface FakeUsergroup {
  id: string;
  handle: string;
  name: string;
  description: string;
  users: string[];
  disabled: boolean;
  /** Seconds since the epoch. */
  date_create: number;
}

/** A file: reserved by files.getUploadURLExternal, filled by the upload, shared by completeUploadExternal. */
export interface FakeFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  /** The length files.getUploadURLExternal was told, then the bytes received. */
  size: number;
  content: Buffer | null;
  user: string;
  /** Seconds since the epoch. */
  created: number;
  /** Conversations it is shared in. */
  channels: string[];
  /** True once completeUploadExternal completed it. */
  completed: boolean;
}

/** An ephemeral message: only `user` sees it, and history never shows it. */
export interface FakeEphemeral {
  channel: string;
  user: string;
  message_ts: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  /** The user id of the caller that posted it. */
  from: string;
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
  /** Shared files (ids), for messages that carry files. */
  files?: string[];
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
  /** OAuth scopes; omitted: every scope. A call without the scope it needs answers missing_scope. */
  scopes?: string[];
}

/** A user token acting as `user_id` (a user added by the seed or with addUser). */
export interface UserTokenSeed {
  token: string;
  user_id: string;
  /** OAuth scopes; omitted: every scope. */
  scopes?: string[];
}

export interface UsergroupSeed {
  id?: string;
  handle: string;
  name?: string;
  description?: string;
  users?: string[];
  disabled?: boolean;
}

/** A file shared in a channel, as if someone had uploaded it. */
export interface FileSeed {
  name: string;
  content: string | Buffer;
  title?: string;
  /** Default from the name's extension (text/plain for .txt, application/octet-stream otherwise). */
  mimetype?: string;
  /** Defaults to the first bot's user. */
  user?: string;
  /** The message text that shares it. */
  initial_comment?: string;
}

export interface UserSeed {
  id?: string;
  name: string;
  real_name?: string;
  display_name?: string;
  is_bot?: boolean;
  tz?: string;
  deleted?: boolean;
  email?: string;
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
  usergroups?: UsergroupSeed[];
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
