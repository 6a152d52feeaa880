import type { Claim } from "../../../slack/lock.js";
import { SettleOnce } from "../../settle-once.js";
import type { ConsumeOptions, Delivery } from "../../types.js";
import { anySignal } from "../../wakeup.js";
import { slackInfo } from "./about.js";
import { type ChannelMessage, compareTs, msOf, tsOf } from "./channel.js";
import { DEAD_EVENT, ENVELOPE_EVENT } from "./codec.js";
import type { QueueFields, SlackQueueCore } from "./core.js";

/** A split body whose parts never all arrived (its publisher died mid-way) is dropped after this. */
const ABANDONED_PARTS_MS = 5 * 60_000;

interface Held {
  once: SettleOnce;
  release(): Promise<void>;
}

/**
 * One consumer: reads the channel from its watermark (the oldest message of the topic not yet
 * done), claims what is ready through the Slack lock, and yields it. Idle, it polls with backoff;
 * a publish or a settle in this process wakes it at once.
 */
export async function* consumeChannel(
  core: SlackQueueCore,
  topic: string,
  options: ConsumeOptions,
  closing: AbortSignal,
): AsyncGenerator<Delivery> {
  const { config, channel, lock } = core;
  const signal = anySignal(options.signal, closing);
  const staleMs = config.staleFromEnv ? config.lock.staleMs : (options.leaseMs ?? slackInfo.defaultLeaseMs);
  const prefetch = options.prefetch ?? Number.POSITIVE_INFINITY;
  const wakeup = core.wakeup(topic);
  const held = new Map<string, Held>();
  /** Messages another instance holds: when to look again (from the lock's retryInMs). */
  const deferred = new Map<string, number>();
  let watermark = tsOf(Date.now() - config.lookbackMs);
  let idleMs = config.pollMs;
  let failures = 0;
  try {
    while (!signal.aborted) {
      try {
        const messages = await channel.read(watermark);
        let oldestPending: string | null = null;
        let nextLook = Number.POSITIVE_INFINITY;
        let delivered = false;
        for (const m of messages) {
          if (signal.aborted) break;
          if (m.eventType !== ENVELOPE_EVENT || m.payload.topic !== topic) continue;
          const duplicate = core.isDuplicate(m);
          if (await lock.isDoneIn(m.reactions)) continue;
          oldestPending ??= m.ts;
          if (duplicate) {
            await lock.markDone(channel.id, m.ts);
            continue;
          }
          const now = Date.now();
          const mine = core.inFlight.get(m.ts);
          if (mine && now - mine.since < mine.staleMs) continue;
          const notBefore = Math.max(Number(m.payload.visible_at) || 0, deferred.get(m.ts) ?? 0);
          if (notBefore > now) {
            nextLook = Math.min(nextLook, notBefore);
            continue;
          }
          if (held.size >= prefetch) break;
          const envelope = await core.envelopeOf(m);
          if (!envelope) {
            if (now - msOf(m.ts) > ABANDONED_PARTS_MS) await lock.markDone(channel.id, m.ts);
            else nextLook = Math.min(nextLook, now + config.pollMs);
            continue;
          }
          const got = await lock.claim(channel.id, m.ts, { staleMs });
          if (got.status === "held") {
            deferred.set(m.ts, Date.now() + got.retryInMs);
            nextLook = Math.min(nextLook, Date.now() + got.retryInMs);
            continue;
          }
          if (got.status === "done") continue;
          deferred.delete(m.ts);
          delivered = true;
          yield delivery(core, topic, m, envelope, got.claim, options.group, staleMs, held);
        }
        const newest = messages.at(-1)?.ts;
        watermark = oldestPending ?? (newest && compareTs(newest, watermark) > 0 ? newest : watermark);
        for (const ts of deferred.keys()) if (compareTs(ts, watermark) < 0) deferred.delete(ts);
        failures = 0;
        if (delivered) {
          idleMs = config.pollMs;
          continue;
        }
        await wakeup.sleep(Math.min(idleMs, nextLook - Date.now()), signal);
        idleMs = Math.min(idleMs * 2, config.pollMaxMs);
      } catch (err) {
        // Slack unreachable, rate limited past the budget...: keep consuming, with backoff.
        if (signal.aborted) break;
        if (failures++ === 0) core.logger?.warn({ err, topic }, "slack queue read failed; retrying");
        await wakeup.sleep(Math.min(config.pollMaxMs, config.pollMs * 2 ** failures), signal);
      }
    }
  } finally {
    // Hand back what this consumer still holds, so another consumer gets it at once.
    for (const h of held.values()) await h.once.run(h.release).catch(() => {});
    wakeup.notify();
  }
}

function delivery(
  core: SlackQueueCore,
  topic: string,
  message: ChannelMessage,
  envelope: Delivery["message"],
  claim: Claim,
  group: string,
  staleMs: number,
  held: Map<string, Held>,
): Delivery {
  const { ts } = message;
  const fields = message.payload as unknown as QueueFields;
  const attempt = (Number(fields.attempt) || 1) + claim.takeovers;
  const token = {};
  core.inFlight.set(ts, { token, since: Date.now(), staleMs });
  const once = new SettleOnce();
  // Another consumer of this process took it over (our lease ran out): our settle is a no-op.
  const stillOurs = () => core.inFlight.get(ts)?.token === token;
  const finish = async (before?: () => Promise<unknown>): Promise<void> => {
    held.delete(ts);
    if (!stillOurs()) return;
    if (before) await before();
    await claim.done();
    core.inFlight.delete(ts);
    core.wakeup(topic).notify();
  };
  const release = async () => {
    held.delete(ts);
    if (!stillOurs()) return;
    core.inFlight.delete(ts);
    await claim.release();
  };
  held.set(ts, { once, release });
  return {
    id: ts,
    topic,
    message: envelope,
    attempt,
    ack: () => once.run(() => finish()),
    // The copy goes in first, then the original is marked done: a crash between leaves a duplicate, never a loss.
    retry: (delayMs) =>
      once.run(() =>
        finish(() =>
          core.postEnvelope(
            {
              topic,
              id: envelope.id,
              k: "r",
              attempt: attempt + 1,
              visible_at: Date.now() + Math.max(0, delayMs),
            },
            envelope,
          ),
        ),
      ),
    deadLetter: (reason) =>
      once.run(() =>
        finish(() =>
          core.post(
            DEAD_EVENT,
            {
              topic,
              id: envelope.id,
              group,
              reason: reason.slice(0, 500),
              attempts: attempt,
              dead_at: Date.now(),
            },
            envelope,
            `slackline dead letter ${topic} ${envelope.id}: ${reason.slice(0, 200)}`,
          ),
        ),
      ),
    // A pin's (or reaction's) time cannot be moved: the lease is the stale time, see docs/slack-backend.md.
    extend: async () => {},
  };
}
