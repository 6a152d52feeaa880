import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Dispatcher } from "./fake-slack/dispatch.js";
import { handleFileRoute } from "./fake-slack/file-routes.js";
import { BadRequest, readParams, sendJson, tokenOf } from "./fake-slack/http.js";
import { type RateLimitConfig, RateLimiter } from "./fake-slack/rate-limit.js";
import { renderMessage, renderReactions } from "./fake-slack/render.js";
import { FakeResponseUrls } from "./fake-slack/response-urls.js";
import type {
  BotSeed,
  ChannelSeed,
  FakeBot,
  FakeChannel,
  FakeEphemeral,
  FakeFile,
  FakePin,
  FakeReaction,
  FakeSlackCall,
  FakeSlackSeed,
  FakeTeam,
  FakeUser,
  FakeUsergroup,
  FileSeed,
  MessageSeed,
  UsergroupSeed,
  UserSeed,
  UserTokenSeed,
} from "./fake-slack/types.js";
import { Workspace } from "./fake-slack/workspace.js";

export { generatedUsers } from "./fake-slack/directory.js";
export type { RateLimitConfig } from "./fake-slack/rate-limit.js";
export type * from "./fake-slack/types.js";

export interface FakeSlackOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  team?: Partial<FakeTeam>;
  /** Bot installations (token -> bot user). Default: one bot with token `xoxb-fake-token`. */
  bots?: BotSeed[];
  /** User tokens (xoxp), each acting as a user of the seed. None by default. */
  userTokens?: UserTokenSeed[];
  seed?: FakeSlackSeed;
  rateLimit?: RateLimitConfig;
}

/** A message as the Web API would return it (metadata included). */
export type FakeMessage = Record<string, unknown> & { ts: string; text: string; user: string };

export const DEFAULT_FAKE_TOKEN = "xoxb-fake-token";

/**
 * A fake Slack Web API: a real HTTP server on loopback with an in-memory workspace, faithful
 * enough that `@slack/web-api`'s WebClient works against it unchanged:
 *
 * ```ts
 * const slack = await FakeSlack.start({ seed: { channels: [{ id: "C1", name: "general" }] } });
 * const client = new WebClient(slack.token, { slackApiUrl: slack.apiUrl });
 * ```
 */
export class FakeSlack {
  readonly workspace: Workspace;
  /** Every call answered so far, oldest first. */
  readonly calls: FakeSlackCall[] = [];
  /** The response_url endpoints this fake serves, and what was posted to them. */
  readonly responseUrls = new FakeResponseUrls();
  private readonly limiter: RateLimiter;
  private readonly dispatcher: Dispatcher;
  private server: Server | null = null;
  private baseUrl: string | null = null;

  constructor(private readonly options: FakeSlackOptions = {}) {
    this.workspace = new Workspace({
      id: options.team?.id ?? "T0FAKE",
      name: options.team?.name ?? "Fake Workspace",
      domain: options.team?.domain ?? "fake-workspace",
    });
    for (const bot of options.bots ?? [
      { token: DEFAULT_FAKE_TOKEN, user_id: "U0BOT", bot_id: "B0BOT", app_id: "A0BOT", name: "slackline" },
    ]) {
      this.workspace.addBot(bot);
    }
    this.limiter = new RateLimiter(options.rateLimit);
    this.dispatcher = new Dispatcher(this.workspace, this.limiter, this.calls);
    if (options.seed) this.seed(options.seed);
    for (const token of options.userTokens ?? []) this.workspace.addUserToken(token);
  }

  /** Creates and starts a fake in one step. */
  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    return new FakeSlack(options).start();
  }

  async start(): Promise<this> {
    if (this.server) return this;
    const server = createServer((req, res) => void this.handle(req, res));
    const host = this.options.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.options.port ?? 0, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    this.server = server;
    this.baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    this.workspace.origin = this.baseUrl;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    // WebClient keeps connections alive; drop them so close() does not wait for their timeout.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    if (!this.baseUrl) throw new Error("FakeSlack is not started");
    return this.baseUrl;
  }

  /** The WebClient's `slackApiUrl` (and Slackline's SLACK_API_URL): `<url>/api/`. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** A new response_url for a payload (`<url>/response/<id>`); `responses()` shows what it got. */
  responseUrl(): string {
    return `${this.url}/response/${this.responseUrls.mint()}`;
  }

  /** What was posted to a response_url (all of them, or the one given), oldest first. */
  responses(url?: string): Record<string, unknown>[] {
    const id = url?.slice(url.lastIndexOf("/") + 1);
    return this.responseUrls.posted.filter((r) => id === undefined || r.id === id).map((r) => r.body);
  }

  /** The first bot's token. */
  get token(): string {
    return this.bots[0]!.token;
  }

  get bots(): FakeBot[] {
    return [...this.workspace.bots.values()];
  }

  /** The bot a token acts as. */
  bot(token: string): FakeBot {
    const bot = this.workspace.bots.get(token);
    if (!bot) throw new Error(`no bot with token ${token}`);
    return bot;
  }

  // --- seeding -------------------------------------------------------------------------------

  seed(seed: FakeSlackSeed): void {
    for (const user of seed.users ?? []) this.addUser(user);
    for (const group of seed.usergroups ?? []) this.addUsergroup(group);
    for (const [name, value] of Object.entries(seed.emoji ?? {})) this.addEmoji(name, value);
    for (const channel of seed.channels ?? []) this.addChannel(channel);
  }

  /** Another bot installation: its token acts as its own bot user. */
  addBot(bot: BotSeed): FakeBot {
    return this.workspace.addBot(bot);
  }

  addUser(user: UserSeed): FakeUser {
    return this.workspace.addUser(user);
  }

  /** Many users at once (e.g. `generatedUsers(50_000)`): a 50,000-user workspace seeds in well under a second. */
  addUsers(users: Iterable<UserSeed>): number {
    let count = 0;
    for (const user of users) {
      this.workspace.addUser(user);
      count += 1;
    }
    return count;
  }

  /** A user token (xoxp) acting as an existing user. */
  addUserToken(token: UserTokenSeed): void {
    this.workspace.addUserToken(token);
  }

  addUsergroup(group: UsergroupSeed): FakeUsergroup {
    return this.workspace.directory.addUsergroup(group);
  }

  /** A file shared in `channel` by a message, as if uploaded; its content is served at url_private. */
  addFile(channel: string, seed: FileSeed): FakeFile {
    const content = typeof seed.content === "string" ? Buffer.from(seed.content) : seed.content;
    const user = seed.user ?? this.bots[0]!.user_id;
    const file = this.workspace.files.reserve(seed.name, content.length, user, seed.mimetype);
    this.workspace.files.receive(file.id, content);
    file.title = seed.title ?? seed.name;
    file.completed = true;
    const target = this.workspace.channel(channel);
    file.channels.push(target.id);
    this.workspace.post(target.id, { user, text: seed.initial_comment ?? "", files: [file.id] });
    return file;
  }

  /** Sets how far `user` has read `channel` (conversations.info's last_read and unread counts). */
  markRead(channel: string, user: string, ts: string): void {
    this.workspace.markRead(channel, user, ts);
  }

  /** A channel; without `members`, everyone is a member. */
  addChannel(channel: ChannelSeed): FakeChannel {
    return this.workspace.addChannel(channel);
  }

  /** Adds a member to a channel seeded with an explicit member list. */
  addMember(channel: string, user: string): void {
    this.workspace.addMember(channel, user);
  }

  /** A message (or, with `thread_ts`, a reply) as if someone had posted it. */
  addMessage(channel: string, message: MessageSeed): FakeMessage {
    return this.render(this.workspace.seedMessage(channel, message));
  }

  /** A custom emoji: an image URL, or `alias:<other>`. */
  addEmoji(name: string, value: string): void {
    this.workspace.emoji.set(name, value);
  }

  // --- inspection ----------------------------------------------------------------------------

  /** A channel's top-level messages (thread broadcasts included), oldest first. */
  messages(channel: string): FakeMessage[] {
    return this.workspace.timeline(channel).map((m) => this.render(m));
  }

  /** A thread's replies, oldest first, without the parent. */
  replies(channel: string, thread_ts: string): FakeMessage[] {
    return this.workspace
      .thread(channel, thread_ts)
      .slice(1)
      .map((m) => this.render(m));
  }

  message(channel: string, ts: string): FakeMessage | undefined {
    const m = this.workspace.message(channel, ts);
    return m && this.render(m);
  }

  reactions(channel: string, ts: string): FakeReaction[] {
    return renderReactions(this.workspace.existing(channel, ts));
  }

  /** Pins in the order they were made. */
  pins(channel: string): FakePin[] {
    return this.workspace.pins(channel).map((p) => ({ ...p }));
  }

  /** Ephemeral messages posted in `channel`, oldest first. */
  ephemerals(channel: string): FakeEphemeral[] {
    const id = this.workspace.channel(channel).id;
    return this.workspace.ephemerals.filter((e) => e.channel === id).map((e) => ({ ...e }));
  }

  /** A file by id (its content included), or undefined. */
  file(id: string): FakeFile | undefined {
    return this.workspace.files.find(id);
  }

  /** Calls to one method, oldest first. */
  callsTo(method: string): FakeSlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  // --- failure injection ---------------------------------------------------------------------

  /** Replaces the rate limits (and resets their windows). */
  setRateLimit(config: RateLimitConfig): void {
    this.limiter.configure(config);
  }

  /** The next `count` calls (to `method`, or to any method) answer 429 with `Retry-After`. */
  rateLimitNext(count = 1, options: { method?: string; retryAfter?: number } = {}): void {
    this.limiter.force(count, options);
  }

  /** The next `count` calls to `method` answer `{ ok: false, error }`. */
  failNext(method: string, error: string, count = 1): void {
    this.dispatcher.failNext(method, error, count);
  }

  private render(message: Parameters<typeof renderMessage>[1]): FakeMessage {
    return renderMessage(this.workspace, message, { metadata: true }) as FakeMessage;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? "/", "http://fake-slack.invalid");
      if (url.pathname.startsWith("/response/"))
        return await this.responseUrls.handle(req, res, url.pathname.slice("/response/".length));
      if (!url.pathname.startsWith("/api/")) {
        if (await handleFileRoute(this.workspace, req, res, url.pathname)) return;
        return sendJson(res, 404, { ok: false, error: "not_found" });
      }
      if (req.method !== "POST" && req.method !== "GET") {
        return sendJson(res, 405, { ok: false, error: "method_not_allowed" }, { allow: "GET, POST" });
      }
      const method = decodeURIComponent(url.pathname.slice("/api/".length));
      const params = await readParams(req, url);
      const answer = this.dispatcher.call(method, params, tokenOf(req, params));
      sendJson(res, answer.status, answer.body, answer.headers);
    } catch (err) {
      if (err instanceof BadRequest) return sendJson(res, err.status, { ok: false, error: err.code });
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: "internal_error", detail: String(err) });
    }
  }
}
