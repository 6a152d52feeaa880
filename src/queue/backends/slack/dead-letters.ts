import type { DeadLetter } from "../../types.js";
import { compareTs, tsOf } from "./channel.js";
import { DEAD_EVENT } from "./codec.js";
import type { SlackQueueCore } from "./core.js";

/**
 * Dead letters are messages of their own in the channel (event_type slackline_dead_letter, the
 * envelope, the reason); purged or replayed ones carry the done marker. The id is the message ts.
 */
export async function listDeadLetters(
  core: SlackQueueCore,
  topic: string,
  limit = Number.POSITIVE_INFINITY,
  after?: string,
): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  for (const m of await core.channel.read(tsOf(Date.now() - core.config.lookbackMs))) {
    if (out.length >= limit) break;
    if (m.eventType !== DEAD_EVENT || m.payload.topic !== topic) continue;
    if (after !== undefined && compareTs(m.ts, after) <= 0) continue;
    if (await core.lock.isDoneIn(m.reactions)) continue;
    const message = await core.envelopeOf(m);
    if (!message) continue;
    out.push({
      id: m.ts,
      topic,
      group: typeof m.payload.group === "string" ? m.payload.group : null,
      message,
      reason: String(m.payload.reason ?? ""),
      attempts: Number(m.payload.attempts) || 1,
      dead_at: Number(m.payload.dead_at) || 0,
    });
  }
  return out;
}

async function choose(core: SlackQueueCore, topic: string, ids: string[] | undefined): Promise<DeadLetter[]> {
  const all = await listDeadLetters(core, topic);
  if (!ids) return all;
  const wanted = new Set(ids);
  return all.filter((d) => wanted.has(d.id));
}

/** Publishes each again (as a replay, so it is not taken for a duplicate), then marks the dead letter done. */
export async function replayDeadLetters(
  core: SlackQueueCore,
  topic: string,
  ids?: string[],
): Promise<number> {
  const chosen = await choose(core, topic, ids);
  for (const d of chosen) {
    await core.postEnvelope({ topic, id: d.message.id, k: "x", attempt: 1, visible_at: 0 }, d.message);
    await core.lock.markDone(core.channel.id, d.id);
  }
  return chosen.length;
}

export async function purgeDeadLetters(core: SlackQueueCore, topic: string, ids?: string[]): Promise<number> {
  const chosen = await choose(core, topic, ids);
  for (const d of chosen) await core.lock.markDone(core.channel.id, d.id);
  return chosen.length;
}
