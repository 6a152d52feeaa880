import {
  type Claim,
  type ClaimResult,
  claimLine,
  failed,
  held,
  isDone,
  type LockContext,
  markDone,
  unreact,
} from "./lock-context.js";
import { sharedTokenContender } from "./lock-pin.js";
import { readReactions } from "./lock-state.js";

/**
 * Reaction strategy. Each bot user can add a given emoji to a message once (`already_reacted`),
 * but different bots can all add it, so the claim is decided by reading back: the first live bot
 * in Slack's order of that emoji's reactors holds it; the others take their reaction back.
 * Reactions carry no time, so a holder is judged dead from this instance's own observations
 * (see HeadClock): the takeover needs no extra step, the next live bot in line simply holds it.
 */
export async function claimByReaction(
  ctx: LockContext,
  channel: string,
  ts: string,
  lookFirst: boolean,
): Promise<ClaimResult> {
  if (lookFirst && (await isDone(ctx, await readReactions(ctx.api, channel, ts)))) return { status: "done" };
  const key = `${channel}/${ts}`;
  const me = await ctx.identity.self();
  const added = await ctx.api.call("reactions.add", { channel, timestamp: ts, name: ctx.emoji });
  if (!added.ok && added.error !== "already_reacted") throw failed("reactions.add", added.error, channel, ts);
  if (!added.ok && ctx.sharedToken) {
    if (await isDone(ctx, await readReactions(ctx.api, channel, ts))) return { status: "done" };
    return sharedTokenContender(ctx, key, channel, ts);
  }
  ctx.clock.forget(`${key}#self`);
  // With a token of our own, already_reacted is our own reaction left by a release that failed or
  // a crash: nothing of ours runs behind it (the lock guards in-process), so it keeps its place.
  const withdraw = () => unreact(ctx, channel, ts, ctx.emoji);
  try {
    const reactions = await readReactions(ctx.api, channel, ts);
    if (await isDone(ctx, reactions)) {
      await withdraw();
      return { status: "done" };
    }
    const judged = ctx.clock.judge(key, await claimLine(ctx, reactions), ctx.staleMs, me);
    if (judged.head === me) {
      ctx.clock.forget(key);
      const takeovers = judged.dead.length + (added.ok ? 0 : 1);
      if (takeovers > 0)
        ctx.logger?.warn({ channel, ts, from: judged.dead }, "took over a stale slack claim");
      return { status: "acquired", claim: reactionClaim(ctx, channel, ts, takeovers) };
    }
    await withdraw();
    return held(ctx, judged.head, judged.since + ctx.staleMs - Date.now());
  } catch (err) {
    await withdraw().catch(() => {});
    throw err;
  }
}

function reactionClaim(ctx: LockContext, channel: string, ts: string, takeovers: number): Claim {
  return {
    channel,
    ts,
    takeovers,
    // Marker first, then our claim reaction goes: never a moment with neither.
    done: async () => {
      await markDone(ctx, channel, ts);
      await unreact(ctx, channel, ts, ctx.emoji);
    },
    release: () => unreact(ctx, channel, ts, ctx.emoji),
  };
}
