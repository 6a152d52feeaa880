import type { WebClient } from "@slack/web-api";
import { ConfigError } from "../config/config-error.js";
import type { Logger } from "../observability/logger.js";
import { LockApi } from "./lock-api.js";
import { type Claim, type ClaimResult, held, isDone, type LockContext, markDone } from "./lock-context.js";
import { HeadClock } from "./lock-head-clock.js";
import { LockIdentity } from "./lock-identity.js";
import { claimByPin } from "./lock-pin.js";
import { claimByReaction } from "./lock-reaction.js";
import { type Reactions, readReactions } from "./lock-state.js";

export type { Claim, ClaimResult } from "./lock-context.js";
export { LockTargetError, SlackLockError } from "./lock-errors.js";
export type { Reactions } from "./lock-state.js";

export type LockStrategy = "pin" | "reaction";

export interface SlackLockOptions {
  /** The bot's client. Best created with `rejectRateLimitedCalls: true` so the lock honours Retry-After itself, within `maxRateLimitWaitMs`. */
  client: WebClient;
  /** "pin" (default): pins.add is the claim. "reaction": the first bot to react with `emoji` holds it. */
  strategy?: LockStrategy;
  /** The claim emoji (reaction strategy) and the takeover emoji (pin strategy). Default "lock". */
  emoji?: string;
  /** The done marker. Default "white_check_mark". */
  doneEmoji?: string;
  /** A claim older than this is its holder's no longer: it died. Keep it above the longest handler. Default 300 s. */
  staleMs?: number;
  /** Several instances share one bot token (default false: each has its own). */
  sharedToken?: boolean;
  /** Longest wait spent honouring Retry-After inside one call before the call fails with `ratelimited`. Default 30 s. */
  maxRateLimitWaitMs?: number;
  logger?: Logger;
}

export const LOCK_DEFAULTS = {
  strategy: "pin" as LockStrategy,
  emoji: "lock",
  doneEmoji: "white_check_mark",
  staleMs: 300_000,
  maxRateLimitWaitMs: 30_000,
};

const EMOJI = /^[a-z0-9_+'-]+(::skin-tone-[2-6])?$/;
const REMEMBERED = 10_000;

/**
 * Slack as the lock between bot instances that each received the same event: `claim(channel, ts)`
 * on the message the event is about. `acquired` -> do the work, then `done()` (or `release()` if it
 * failed); `held` -> another live instance has it, look again after `retryInMs`; `done` -> someone
 * finished it. Every Slack failure other than already_pinned / already_reacted throws SlackLockError.
 */
export class SlackLock {
  readonly strategy: LockStrategy;
  private readonly ctx: LockContext;
  /**
   * Claims this process is claiming or holds, with since when: a second claim in-process is held,
   * until the first has held it past the stale time (a hung holder is as good as dead).
   */
  private readonly busy = new Map<string, { since: number; staleMs: number }>();
  /** Work done whose marker could not be set yet: the next claim finishes marking instead of redoing. */
  private readonly unmarked = new Map<string, Claim>();
  /** Claims seen held: the next look starts with a read ("done yet?"). */
  private readonly seenHeld = new Set<string>();

  constructor(options: SlackLockOptions) {
    const o = { ...LOCK_DEFAULTS, ...stripUndefined(options) };
    for (const name of [o.emoji, o.doneEmoji]) {
      if (!EMOJI.test(name)) throw new ConfigError(`"${name}" is not an emoji name (lowercase, no colons)`);
    }
    if (o.emoji === o.doneEmoji) throw new ConfigError("the claim emoji and the done emoji must differ");
    if (o.strategy !== "pin" && o.strategy !== "reaction")
      throw new ConfigError(`unknown lock strategy "${o.strategy}"`);
    if (!(o.staleMs > 0)) throw new ConfigError("staleMs must be positive");
    this.strategy = o.strategy;
    const api = new LockApi(options.client, { maxRateLimitWaitMs: o.maxRateLimitWaitMs });
    this.ctx = {
      api,
      identity: new LockIdentity(api, options.logger),
      clock: new HeadClock(),
      emoji: o.emoji,
      doneEmoji: o.doneEmoji,
      staleMs: o.staleMs,
      sharedToken: o.sharedToken ?? false,
      ...(options.logger ? { logger: options.logger } : {}),
    };
  }

  get staleMs(): number {
    return this.ctx.staleMs;
  }

  /** Our bot user id (auth.test, once). */
  self(): Promise<string> {
    return this.ctx.identity.self();
  }

  /** `staleMs` overrides the lock's stale time for this claim (the slack queue uses its lease). */
  async claim(channel: string, ts: string, options: { staleMs?: number } = {}): Promise<ClaimResult> {
    const ctx = options.staleMs === undefined ? this.ctx : { ...this.ctx, staleMs: options.staleMs };
    const key = `${channel}/${ts}`;
    const unmarked = this.unmarked.get(key);
    if (unmarked) {
      await unmarked.done();
      this.unmarked.delete(key);
      return { status: "done" };
    }
    const busy = this.busy.get(key);
    if (busy && Date.now() - busy.since < busy.staleMs)
      return held(ctx, null, busy.since + busy.staleMs - Date.now());
    const mine = { since: Date.now(), staleMs: ctx.staleMs };
    this.busy.set(key, mine);
    let keep = false;
    try {
      const lookFirst = this.seenHeld.has(key);
      const result =
        this.strategy === "pin"
          ? await claimByPin(ctx, channel, ts, lookFirst)
          : await claimByReaction(ctx, channel, ts, lookFirst);
      if (result.status === "held") this.remember(key);
      else this.seenHeld.delete(key);
      if (result.status !== "acquired") return result;
      keep = true;
      mine.since = Date.now();
      return { status: "acquired", claim: this.guard(key, mine, result.claim) };
    } finally {
      if (!keep && this.busy.get(key) === mine) this.busy.delete(key);
    }
  }

  /** Whether a bot marked the message done, from reactions already read (conversations.history has them). */
  isDoneIn(reactions: Reactions): Promise<boolean> {
    return isDone(this.ctx, reactions);
  }

  /** Sets the done marker on a message nobody needs to claim (a duplicate, a purged dead letter). */
  markDone(channel: string, ts: string): Promise<void> {
    return markDone(this.ctx, channel, ts);
  }

  /** Whether a bot marked the message done. */
  async isDone(channel: string, ts: string): Promise<boolean> {
    return isDone(this.ctx, await readReactions(this.ctx.api, channel, ts));
  }

  private guard(key: string, mine: object, claim: Claim): Claim {
    let settled = false;
    const settle = async (fn: () => Promise<void>, onError: () => void): Promise<void> => {
      if (settled) return;
      settled = true;
      try {
        await fn();
      } catch (err) {
        onError();
        throw err;
      } finally {
        if (this.busy.get(key) === mine) this.busy.delete(key);
      }
    };
    return {
      channel: claim.channel,
      ts: claim.ts,
      takeovers: claim.takeovers,
      done: () => settle(claim.done, () => this.unmarked.set(key, claim)),
      release: () => settle(claim.release, () => {}),
    };
  }

  private remember(key: string): void {
    if (this.seenHeld.size >= REMEMBERED) this.seenHeld.clear();
    this.seenHeld.add(key);
  }
}

export function createSlackLock(options: SlackLockOptions): SlackLock {
  return new SlackLock(options);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
