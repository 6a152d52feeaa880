import type { Logger } from "../observability/logger.js";
import type { LockApi } from "./lock-api.js";
import { SlackLockError } from "./lock-errors.js";
import type { HeadClock } from "./lock-head-clock.js";
import type { LockIdentity } from "./lock-identity.js";
import type { Reactions } from "./lock-state.js";

/** What a strategy works with: Slack calls, identity, local observations and the settings. */
export interface LockContext {
  api: LockApi;
  identity: LockIdentity;
  clock: HeadClock;
  /** The claim emoji (reaction strategy) and the takeover emoji (pin strategy). */
  emoji: string;
  doneEmoji: string;
  staleMs: number;
  /** Several instances share one bot token: our own pin or reaction may be another instance's. */
  sharedToken: boolean;
  logger?: Logger;
}

/** A claim this instance holds. `done()` after the work succeeded, `release()` after it failed. */
export interface Claim {
  readonly channel: string;
  readonly ts: string;
  /** How many dead holders this claim took over from (0 for a first claim). */
  readonly takeovers: number;
  done(): Promise<void>;
  release(): Promise<void>;
}

export type ClaimResult =
  | { status: "acquired"; claim: Claim }
  /** Another instance holds it; `holder` is its bot user when known. Look again after `retryInMs`. */
  | { status: "held"; holder: string | null; retryInMs: number }
  /** Someone finished this work already. */
  | { status: "done" };

/** Slack's `created` has whole seconds: a pin can look up to a second older than it is. */
export const PIN_SECONDS_SLACK_MS = 1000;
const MIN_RETRY_MS = 200;

/** When to look again at a claim that goes stale in `untilStaleMs`: at most half a stale time away, jittered. */
export function held(ctx: LockContext, holder: string | null, untilStaleMs: number): ClaimResult {
  const wait = Math.min(Math.max(0, untilStaleMs) + 250, Math.max(1000, ctx.staleMs / 2));
  return {
    status: "held",
    holder,
    retryInMs: Math.round(Math.max(MIN_RETRY_MS, wait) * (1 + Math.random() * 0.1)),
  };
}

/** The done marker counts when a bot put it there (a person's checkmark is not ours). */
export async function isDone(ctx: LockContext, reactions: Reactions): Promise<boolean> {
  const users = reactions.get(ctx.doneEmoji) ?? [];
  return users.length > 0 && (await ctx.identity.botsAmong(users)).length > 0;
}

/** Bot users that reacted with the claim emoji, first come first. */
export function claimLine(ctx: LockContext, reactions: Reactions): Promise<string[]> {
  return ctx.identity.botsAmong(reactions.get(ctx.emoji) ?? []);
}

/** Adds the done marker; the work is done, so this tries through rate limits for up to half a stale time. */
export async function markDone(ctx: LockContext, channel: string, ts: string): Promise<void> {
  const answer = await ctx.api.call(
    "reactions.add",
    { channel, timestamp: ts, name: ctx.doneEmoji },
    Math.max(ctx.staleMs / 2, 1000),
  );
  if (!answer.ok && answer.error !== "already_reacted") {
    throw new SlackLockError(
      answer.error,
      "reactions.add",
      `marking ${channel}/${ts} done failed: ${answer.error}`,
    );
  }
}

/** Removes our own reaction; gone already is fine. */
export async function unreact(ctx: LockContext, channel: string, ts: string, name: string): Promise<void> {
  await ctx.api.must("reactions.remove", { channel, timestamp: ts, name }, [
    "no_reaction",
    "message_not_found",
  ]);
}

export async function unpin(ctx: LockContext, channel: string, ts: string): Promise<void> {
  await ctx.api.must("pins.remove", { channel, timestamp: ts }, ["no_pin", "message_not_found"]);
}

export function failed(method: string, error: string, channel: string, ts: string): SlackLockError {
  return new SlackLockError(error, method, `${method} on ${channel}/${ts} failed: ${error}`);
}
