import type { Logger } from "../observability/logger.js";
import type { LockApi } from "./lock-api.js";
import { SlackLockError } from "./lock-errors.js";

const CACHE_LIMIT = 10_000;

/**
 * Who we are (auth.test) and who counts as a claimer: only bot users, so a person who happens to
 * react with the lock or done emoji neither blocks nor finishes anyone's work. Needs `users:read`;
 * without it every reactor counts (logged once).
 */
export class LockIdentity {
  private me: Promise<string> | null = null;
  private readonly bots = new Map<string, boolean>();
  private filter = true;

  constructor(
    private readonly api: LockApi,
    private readonly logger?: Logger,
  ) {}

  /** Our bot user id. */
  self(): Promise<string> {
    this.me ??= this.api.must("auth.test", {}).then((a) => {
      const id = a.ok ? a.data.user_id : undefined;
      if (typeof id !== "string")
        throw new SlackLockError("no_user_id", "auth.test", "auth.test returned no user_id");
      return id;
    });
    this.me.catch(() => {
      this.me = null;
    });
    return this.me;
  }

  /** Keeps the users that are bots, in order. */
  async botsAmong(users: readonly string[]): Promise<string[]> {
    const me = await this.self();
    const kept: string[] = [];
    for (const user of users) if (user === me || (await this.isBot(user))) kept.push(user);
    return kept;
  }

  private async isBot(user: string): Promise<boolean> {
    if (!this.filter) return true;
    const known = this.bots.get(user);
    if (known !== undefined) return known;
    const answer = await this.api.must("users.info", { user }, ["user_not_found", "missing_scope"]);
    if (!answer.ok && answer.error === "missing_scope") {
      this.filter = false;
      this.logger?.warn(
        "the slack lock cannot call users.info (missing users:read): every reactor counts as a claimer",
      );
      return true;
    }
    const isBot = answer.ok && (answer.data.user as { is_bot?: unknown } | undefined)?.is_bot === true;
    if (this.bots.size >= CACHE_LIMIT) this.bots.clear();
    this.bots.set(user, isBot);
    return isBot;
  }
}
