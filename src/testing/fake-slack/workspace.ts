import { Directory } from "./directory.js";
import { fail } from "./errors.js";
import { FileStore } from "./files.js";
import { TokenRegistry } from "./tokens.js";
import { compareTs, isTs, TsClock } from "./ts.js";
import type {
  BotSeed,
  ChannelSeed,
  FakeAppToken,
  FakeBot,
  FakeCaller,
  FakeChannel,
  FakeEphemeral,
  FakePin,
  FakeTeam,
  FakeUser,
  FakeUserToken,
  MessageSeed,
  StoredMessage,
  UserSeed,
  UserTokenSeed,
} from "./types.js";

interface ChannelState {
  info: FakeChannel;
  /** Every message, replies included, by ts. */
  messages: Map<string, StoredMessage>;
  /** Pins in the order they were made. */
  pins: Map<string, FakePin>;
}

/** What a post sets (`ts` to choose one); the workspace fills in the rest of the stored message. */
export type PostInput = Pick<
  StoredMessage,
  | "user"
  | "bot_id"
  | "app_id"
  | "text"
  | "blocks"
  | "attachments"
  | "metadata"
  | "thread_ts"
  | "subtype"
  | "files"
> & { ts?: string };

/**
 * The in-memory workspace: channels, users, bots, messages, reactions, pins and emoji. Operations
 * enforce Slack's rules and fail with Slack's error codes; the HTTP layer only maps arguments.
 */
export class Workspace {
  readonly clock = new TsClock();
  readonly tokens = new TokenRegistry();
  readonly bots: Map<string, FakeBot> = this.tokens.bots;
  /** App-level tokens (Socket Mode), by token. */
  readonly appTokens = new Map<string, FakeAppToken>();
  readonly directory = new Directory((prefix) => this.id(prefix));
  readonly users: Map<string, FakeUser> = this.directory.users;
  readonly files = new FileStore((prefix) => this.id(prefix));
  readonly emoji = new Map<string, string>();
  readonly ephemerals: FakeEphemeral[] = [];
  /** Where the fake listens (`http://127.0.0.1:<port>`), for upload and download URLs. */
  origin = "http://fake-slack.invalid";
  private readonly channels = new Map<string, ChannelState>();
  /** channel id -> user id -> the ts the user has read up to. */
  private readonly lastRead = new Map<string, Map<string, string>>();
  private seq = 0;

  constructor(readonly team: FakeTeam) {}

  private id(prefix: string): string {
    this.seq += 1;
    return `${prefix}${String(this.seq).padStart(8, "0")}`;
  }

  /** A fresh id with Slack's prefix for the kind (U, C, G, D, F, S…). */
  newId(prefix: string): string {
    return this.id(prefix);
  }

  addBot(seed: BotSeed): FakeBot {
    const user_id = seed.user_id ?? this.id("U");
    const bot: FakeBot = {
      token: seed.token,
      user_id,
      bot_id: seed.bot_id ?? this.id("B"),
      app_id: seed.app_id ?? this.id("A"),
      name: seed.name ?? `bot-${user_id.toLowerCase()}`,
    };
    this.tokens.addBot(bot, seed.scopes);
    this.directory.putUser({
      id: user_id,
      name: bot.name,
      real_name: bot.name,
      display_name: bot.name,
      is_bot: true,
      bot_id: bot.bot_id,
      tz: "UTC",
      deleted: false,
    });
    return bot;
  }

  addUser(seed: UserSeed): FakeUser {
    return this.directory.addUser(seed);
  }

  addUserToken(seed: UserTokenSeed): FakeUserToken {
    if (!this.users.has(seed.user_id)) throw new Error(`user token for unknown user ${seed.user_id}`);
    const token: FakeUserToken = { token: seed.token, user_id: seed.user_id };
    this.tokens.addUser(token, seed.scopes);
    return token;
  }

  /** Who a token acts as, or undefined for a token this workspace never issued. */
  caller(token: string): FakeCaller | undefined {
    return this.tokens.caller(token);
  }

  addChannel(seed: ChannelSeed): FakeChannel {
    const info: FakeChannel = {
      id: seed.id ?? this.id(seed.is_private ? "G" : "C"),
      name: seed.name,
      is_private: seed.is_private ?? false,
      is_archived: seed.is_archived ?? false,
      is_im: seed.is_im ?? false,
      is_mpim: seed.is_mpim ?? false,
      created: Math.floor(Date.now() / 1000),
      creator: [...this.users.keys()][0] ?? "",
      topic: seed.topic ?? "",
      purpose: seed.purpose ?? "",
      members: seed.members ? new Set(seed.members) : null,
    };
    this.channels.set(info.id, { info, messages: new Map(), pins: new Map() });
    for (const m of seed.messages ?? []) this.seedMessage(info.id, m);
    return info;
  }

  addMember(channel: string, user: string): void {
    const state = this.state(channel);
    state.info.members?.add(user);
  }

  seedMessage(channel: string, seed: MessageSeed): StoredMessage {
    const user = seed.user ?? [...this.bots.values()][0]?.user_id ?? "USLACKBOT";
    const bot = [...this.bots.values()].find((b) => b.user_id === user);
    return this.post(channel, {
      user,
      bot_id: seed.bot_id ?? bot?.bot_id,
      app_id: bot?.app_id,
      text: seed.text ?? "",
      blocks: seed.blocks,
      metadata: seed.metadata,
      thread_ts: seed.thread_ts,
      subtype: seed.subtype,
      ts: seed.ts,
    });
  }

  // --- lookups -------------------------------------------------------------------------------

  listChannels(): FakeChannel[] {
    return [...this.channels.values()].map((c) => c.info);
  }

  /** By id, or by name with or without '#', as chat.postMessage accepts. */
  channel(idOrName: string): FakeChannel {
    return this.state(idOrName).info;
  }

  private state(idOrName: string): ChannelState {
    const byId = this.channels.get(idOrName);
    if (byId) return byId;
    const name = idOrName.replace(/^#/, "");
    for (const c of this.channels.values()) if (c.info.name === name) return c;
    return fail("channel_not_found");
  }

  isMember(channel: FakeChannel, user: string): boolean {
    return channel.members === null || channel.members.has(user);
  }

  /** The channel, if `user` may act in it; Slack's not_in_channel otherwise. */
  memberChannel(idOrName: string, user: string): FakeChannel {
    const channel = this.channel(idOrName);
    if (this.isMember(channel, user)) return channel;
    // Private conversations do not exist for non-members.
    return fail(
      channel.is_private || channel.is_im || channel.is_mpim ? "channel_not_found" : "not_in_channel",
    );
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.state(channel).messages.get(ts);
  }

  /** All messages of a channel, replies included, oldest first. */
  allMessages(channel: string): StoredMessage[] {
    return [...this.state(channel).messages.values()].sort((a, b) => compareTs(a.ts, b.ts));
  }

  /** The channel's timeline as conversations.history sees it: no replies except broadcasts. */
  timeline(channel: string): StoredMessage[] {
    return this.allMessages(channel).filter(
      (m) => m.thread_ts === undefined || m.thread_ts === m.ts || m.subtype === "thread_broadcast",
    );
  }

  /** Parent first, then replies oldest first; Slack's thread_not_found when `ts` is unknown. */
  thread(channel: string, ts: string): StoredMessage[] {
    const state = this.state(channel);
    const hit = state.messages.get(ts) ?? fail("thread_not_found");
    // A reply's ts resolves to its whole thread, as Slack does.
    const parentTs = hit.thread_ts ?? hit.ts;
    const parent = state.messages.get(parentTs) ?? fail("thread_not_found");
    const replies = parent.replies.map((r) => state.messages.get(r)).filter((m) => m !== undefined);
    return [parent, ...replies];
  }

  pins(channel: string): FakePin[] {
    return [...this.state(channel).pins.values()];
  }

  // --- changes -------------------------------------------------------------------------------

  post(channelId: string, input: PostInput): StoredMessage {
    const state = this.state(channelId);
    let thread_ts: string | undefined;
    if (input.thread_ts !== undefined) {
      if (!isTs(input.thread_ts)) fail("invalid_thread_ts");
      const parent = state.messages.get(input.thread_ts) ?? fail("thread_not_found");
      // Replying to a reply lands in the parent's thread.
      thread_ts = parent.thread_ts ?? parent.ts;
    }
    const ts = input.ts ?? this.clock.next();
    if (input.ts !== undefined) {
      if (!isTs(ts)) throw new Error(`not a Slack ts: ${ts}`);
      if (state.messages.has(ts)) throw new Error(`a message with ts ${ts} already exists in ${channelId}`);
      this.clock.observe(ts);
    }
    const message: StoredMessage = {
      channel: state.info.id,
      ts,
      user: input.user,
      text: input.text,
      reactions: new Map(),
      replies: [],
    };
    if (input.bot_id) message.bot_id = input.bot_id;
    if (input.app_id) message.app_id = input.app_id;
    if (input.blocks) message.blocks = input.blocks;
    if (input.attachments) message.attachments = input.attachments;
    if (input.metadata) message.metadata = input.metadata;
    if (input.subtype) message.subtype = input.subtype;
    if (input.files?.length) message.files = [...input.files];
    if (thread_ts) {
      message.thread_ts = thread_ts;
      const parent = state.messages.get(thread_ts)!;
      parent.thread_ts = parent.ts;
      parent.replies.push(ts);
      parent.replies.sort(compareTs);
    }
    state.messages.set(ts, message);
    return message;
  }

  update(
    channel: string,
    ts: string,
    user: string,
    change: Partial<Pick<StoredMessage, "text" | "blocks" | "metadata">>,
  ): StoredMessage {
    const message = this.existing(channel, ts);
    if (message.user !== user) fail("cant_update_message");
    if (change.text !== undefined) message.text = change.text;
    if (change.blocks !== undefined) message.blocks = change.blocks;
    if (change.metadata !== undefined) message.metadata = change.metadata;
    message.edited = { user, ts: this.clock.next() };
    return message;
  }

  delete(channel: string, ts: string, user: string): void {
    const state = this.state(channel);
    const message = this.existing(channel, ts);
    if (message.user !== user) fail("cant_delete_message");
    state.messages.delete(ts);
    state.pins.delete(ts);
    if (message.thread_ts && message.thread_ts !== ts) {
      const parent = state.messages.get(message.thread_ts);
      if (parent) parent.replies = parent.replies.filter((r) => r !== ts);
    }
  }

  /** Slack's message_not_found when the channel has no message at `ts`. */
  existing(channel: string, ts: string): StoredMessage {
    return this.state(channel).messages.get(ts) ?? fail("message_not_found");
  }

  /** Reactions are unique per user, message and emoji. */
  react(channel: string, ts: string, name: string, user: string): void {
    const message = this.existing(channel, ts);
    const users = message.reactions.get(name) ?? [];
    if (users.includes(user)) fail("already_reacted");
    users.push(user);
    message.reactions.set(name, users);
  }

  unreact(channel: string, ts: string, name: string, user: string): void {
    const message = this.existing(channel, ts);
    const users = message.reactions.get(name) ?? [];
    if (!users.includes(user)) fail("no_reaction");
    const left = users.filter((u) => u !== user);
    if (left.length === 0) message.reactions.delete(name);
    else message.reactions.set(name, left);
  }

  /** Pins are unique per message, whoever pinned it: the second pin is already_pinned. */
  pin(channel: string, ts: string, user: string): FakePin {
    const state = this.state(channel);
    this.existing(channel, ts);
    if (state.pins.has(ts)) fail("already_pinned");
    const pin: FakePin = {
      channel: state.info.id,
      ts,
      created: Math.floor(Date.now() / 1000),
      created_by: user,
    };
    state.pins.set(ts, pin);
    return pin;
  }

  unpin(channel: string, ts: string): void {
    const state = this.state(channel);
    this.existing(channel, ts);
    if (!state.pins.delete(ts)) fail("no_pin");
  }

  isPinned(channel: string, ts: string): boolean {
    return this.state(channel).pins.has(ts);
  }

  // --- read state and direct messages --------------------------------------------------------

  /** The ts `user` has read `channel` up to; "0000000000.000000" (nothing read) by default. */
  lastReadOf(channel: string, user: string): string {
    return this.lastRead.get(this.channel(channel).id)?.get(user) ?? "0000000000.000000";
  }

  markRead(channel: string, user: string, ts: string): void {
    const id = this.channel(channel).id;
    let byUser = this.lastRead.get(id);
    if (!byUser) {
      byUser = new Map();
      this.lastRead.set(id, byUser);
    }
    byUser.set(user, ts);
  }

  /** Top-level messages after the user's last_read, not counting the user's own. */
  unreadOf(channel: string, user: string): StoredMessage[] {
    const read = this.lastReadOf(channel, user);
    return this.timeline(channel).filter((m) => compareTs(m.ts, read) > 0 && m.user !== user);
  }
}
