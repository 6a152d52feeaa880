import {
  type Claim,
  type ClaimResult,
  claimLine,
  failed,
  held,
  isDone,
  type LockContext,
  markDone,
  PIN_SECONDS_SLACK_MS,
  unpin,
  unreact,
} from "./lock-context.js";
import { SlackLockError } from "./lock-errors.js";
import { type PinInfo, readPin, readReactions } from "./lock-state.js";

/**
 * Pin strategy. A message can be pinned once, whoever pins it: `pins.add` succeeding is the claim,
 * `already_pinned` means someone holds it (or finished and has not unpinned yet). pins.list says
 * who pinned and when, by Slack's clock, so every instance agrees on when a pin goes stale.
 */
export async function claimByPin(
  ctx: LockContext,
  channel: string,
  ts: string,
  lookFirst: boolean,
): Promise<ClaimResult> {
  // A second look at a claim is mostly "is it done yet": one read instead of a pin and an unpin.
  if (lookFirst && (await isDone(ctx, await readReactions(ctx.api, channel, ts)))) return { status: "done" };
  let retaken = 0;
  for (let round = 0; round < 3; round++) {
    const added = await ctx.api.call("pins.add", { channel, timestamp: ts });
    if (added.ok) {
      // The last holder marks done before it unpins: a pin that succeeds must look for that marker.
      if (await isDone(ctx, await readReactions(ctx.api, channel, ts))) {
        await unpin(ctx, channel, ts);
        return { status: "done" };
      }
      return { status: "acquired", claim: pinClaim(ctx, channel, ts, Date.now(), retaken) };
    }
    if (added.error !== "already_pinned") throw failed("pins.add", added.error, channel, ts);
    const [reactions, pin] = await Promise.all([
      readReactions(ctx.api, channel, ts),
      readPin(ctx.api, channel, ts),
    ]);
    if (await isDone(ctx, reactions)) return { status: "done" };
    if (!pin) continue; // unpinned between our two calls: try again
    const untilStale = pin.at + ctx.staleMs + PIN_SECONDS_SLACK_MS - Date.now();
    if (untilStale > 0) {
      // With a token of our own, our own fresh pin was left by a failed release or a crash (the lock
      // guards in-process): nobody else may touch it before it is stale, so we unpin and pin afresh.
      if (!ctx.sharedToken && pin.by === (await ctx.identity.self())) {
        await unpin(ctx, channel, ts);
        retaken = 1; // whoever held it before us may have started the work: this is a redo
        continue;
      }
      return held(ctx, pin.by, untilStale);
    }
    return takeOver(ctx, channel, ts, pin);
  }
  return held(ctx, null, 0);
}

const samePin = (a: PinInfo | null, b: PinInfo): boolean => a !== null && a.by === b.by && a.at === b.at;

/**
 * Replaces a stale pin. pins.remove is unconditional, so two takers must not both remove: they
 * line up with the takeover emoji and only the first live bot in that line (Slack's order, the
 * same for everyone) may unpin and pin again. Losers take their reaction back. The winner keeps
 * the critical section short: past half a stale time it gives up rather than unpin late.
 */
async function takeOver(ctx: LockContext, channel: string, ts: string, stale: PinInfo): Promise<ClaimResult> {
  const started = Date.now();
  const me = await ctx.identity.self();
  const key = `${channel}/${ts}#takeover`;
  const added = await ctx.api.call("reactions.add", { channel, timestamp: ts, name: ctx.emoji });
  if (!added.ok && added.error !== "already_reacted") throw failed("reactions.add", added.error, channel, ts);
  if (!added.ok && ctx.sharedToken) return sharedTokenContender(ctx, key, channel, ts);
  ctx.clock.forget(`${key}#self`);
  // With a token of our own, an earlier reaction of ours is our own leftover: we are that contender.
  const withdraw = () => unreact(ctx, channel, ts, ctx.emoji);
  try {
    const [reactions, pin] = await Promise.all([
      readReactions(ctx.api, channel, ts),
      readPin(ctx.api, channel, ts),
    ]);
    if (await isDone(ctx, reactions)) {
      await withdraw();
      return { status: "done" };
    }
    if (pin && !samePin(pin, stale)) {
      // Someone already replaced it with a fresh pin.
      await withdraw();
      return held(ctx, pin.by, pin.at + ctx.staleMs + PIN_SECONDS_SLACK_MS - Date.now());
    }
    const judged = ctx.clock.judge(key, await claimLine(ctx, reactions), ctx.staleMs, me);
    const tooSlow = () => Date.now() - started > ctx.staleMs / 2;
    if (judged.head !== me || tooSlow()) {
      await withdraw();
      return held(ctx, judged.head, judged.since + ctx.staleMs - Date.now());
    }
    // Rate-limit waits inside the critical section are bounded by what is left of it, so a late
    // pins.remove can never land on a pin someone placed after judging us dead.
    const left = () => Math.max(0, ctx.staleMs / 2 - (Date.now() - started));
    if (pin) {
      const removed = await ctx.api.call("pins.remove", { channel, timestamp: ts }, left());
      if (!removed.ok && removed.error !== "no_pin") throw failed("pins.remove", removed.error, channel, ts);
    }
    if (tooSlow()) {
      await withdraw();
      return held(ctx, null, 0);
    }
    const pinned = await ctx.api.call("pins.add", { channel, timestamp: ts }, left());
    await withdraw();
    ctx.clock.forget(key);
    if (!pinned.ok) {
      // A first-time claimer pinned in the gap: it holds the claim now.
      if (pinned.error === "already_pinned") return held(ctx, null, ctx.staleMs);
      throw failed("pins.add", pinned.error, channel, ts);
    }
    // The stale holder may have been slow rather than dead and finished meanwhile.
    if (await isDone(ctx, await readReactions(ctx.api, channel, ts))) {
      await unpin(ctx, channel, ts);
      return { status: "done" };
    }
    ctx.logger?.warn({ channel, ts, from: stale.by, pinned_at: stale.at }, "took over a stale slack claim");
    return { status: "acquired", claim: pinClaim(ctx, channel, ts, Date.now(), 1) };
  } catch (err) {
    await withdraw().catch(() => {});
    throw err;
  }
}

/**
 * With a shared token our user's reaction may be another instance's: wait. If it stays at the head
 * past the stale time, its instance died mid-takeover and nobody can tell it from a live one.
 */
export function sharedTokenContender(
  ctx: LockContext,
  key: string,
  channel: string,
  ts: string,
): ClaimResult {
  const judged = ctx.clock.judge(`${key}#self`, ["self"], ctx.staleMs, null);
  if (judged.head === null) {
    throw new SlackLockError(
      "stuck_claim",
      "reactions.add",
      `:${ctx.emoji}: on ${channel}/${ts} is our shared bot user's and has not moved for the stale time; remove it by hand (with a shared token a dead instance's reaction cannot be told from a live one's)`,
    );
  }
  return held(ctx, null, judged.since + ctx.staleMs - Date.now());
}

function pinClaim(ctx: LockContext, channel: string, ts: string, since: number, takeovers: number): Claim {
  return {
    channel,
    ts,
    takeovers,
    // Marker first, then unpin: there is never a moment with neither, so nobody redoes the work.
    done: async () => {
      await markDone(ctx, channel, ts);
      await unpin(ctx, channel, ts);
    },
    release: async () => {
      // Past the stale time a taker may be replacing our pin: leave it, it is stale anyway.
      if (Date.now() - since >= ctx.staleMs - PIN_SECONDS_SLACK_MS) return;
      await unpin(ctx, channel, ts);
    },
  };
}
