import { randomUUID } from "node:crypto";
import type { Channel, GetMessage } from "amqplib";
import type { Envelope } from "../../../envelope/envelope.js";
import type { DeadLetter } from "../../types.js";
import { copyHeaders, H_ATTEMPTS, H_DEAD_AT, H_GROUP, H_PUBLISHED_AT, H_REASON, H_TOPIC } from "./headers.js";
import type { AmqpLink } from "./link.js";
import { groupOfQueue, groupQueue, topicNames } from "./names.js";
import type { Topology } from "./topology.js";

const decoder = new TextDecoder();

/**
 * Reads a dead letter. Ours carry reason/group/attempts headers; those the broker dead-lettered
 * itself (delivery limit) carry x-first-death-* and their delivery count.
 */
function toDeadLetter(topic: string, m: GetMessage, deliveryLimit: number): DeadLetter {
  const h = m.properties.headers ?? {};
  const ours = typeof h[H_REASON] === "string";
  const deathQueue = typeof h["x-first-death-queue"] === "string" ? h["x-first-death-queue"] : "";
  let message: Envelope;
  try {
    message = JSON.parse(decoder.decode(m.content)) as Envelope;
  } catch {
    message = decoder.decode(m.content) as unknown as Envelope;
  }
  return {
    id: String(m.properties.messageId ?? ""),
    topic,
    group: ours ? String(h[H_GROUP] ?? "") || null : groupOfQueue(topic, deathQueue),
    message,
    reason: ours
      ? String(h[H_REASON])
      : `broker dead-lettered it: ${String(h["x-first-death-reason"] ?? "unknown")}`,
    attempts: ours ? Number(h[H_ATTEMPTS] ?? 0) : Number(h[H_ATTEMPTS] ?? 0) + deliveryLimit + 1,
    dead_at: ours ? Number(h[H_DEAD_AT] ?? 0) : (Number(m.properties.timestamp ?? 0) || 0) * 1000,
  };
}

/**
 * Takes up to `limit` dead letters off the DLQ without acking them, runs `fn` (which acks the ones it
 * consumes), then returns the rest in their order. A dead letter is invisible to other readers only
 * while this runs; a crash returns everything (unacked) to the queue.
 */
async function withDeadLetters<T>(
  link: AmqpLink,
  topic: string,
  limit: number,
  fn: (ch: Channel, taken: GetMessage[]) => Promise<{ result: T; acked: Set<GetMessage> }>,
): Promise<T | null> {
  return link.withChannel(async (ch) => {
    const dlq = topicNames(topic).dlq;
    try {
      await ch.checkQueue(dlq);
    } catch {
      return null;
    }
    const taken: GetMessage[] = [];
    let left = 0;
    while (taken.length < limit) {
      const m = await ch.get(dlq, { noAck: false });
      if (!m) break;
      taken.push(m);
      left = m.fields.messageCount;
    }
    const { result, acked } = await fn(ch, taken);
    // Back to their places in the (classic) DLQ.
    let returned = 0;
    for (const m of taken) {
      if (acked.has(m)) continue;
      ch.nack(m, false, true);
      returned++;
    }
    // A nack has no reply; wait until the queue counts them as ready again, so the next reader
    // (this process's next call, often) sees them in place rather than after the rest.
    const deadline = Date.now() + 2000;
    while (returned > 0 && Date.now() < deadline) {
      if ((await ch.checkQueue(dlq)).messageCount >= left + returned) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    return result;
  });
}

export async function listDeadLetters(
  link: AmqpLink,
  topic: string,
  limit: number,
  deliveryLimit: number,
): Promise<DeadLetter[]> {
  const out = await withDeadLetters(link, topic, limit, async (_ch, taken) => ({
    result: taken.map((m) => toDeadLetter(topic, m, deliveryLimit)),
    acked: new Set(),
  }));
  return out ?? [];
}

/** Each chosen dead letter goes to its group's queue (confirmed) before it leaves the DLQ. */
export async function replayDeadLetters(
  link: AmqpLink,
  topology: Topology,
  topic: string,
  ids: string[] | undefined,
  deliveryLimit: number,
  publishTimeoutMs: number,
): Promise<number> {
  const wanted = ids ? new Set(ids) : null;
  const count = await withDeadLetters(link, topic, Number.POSITIVE_INFINITY, async (ch, taken) => {
    const acked = new Set<GetMessage>();
    for (const m of taken) {
      const dead = toDeadLetter(topic, m, deliveryLimit);
      if (wanted && !wanted.has(dead.id)) continue;
      const headers = copyHeaders(m.properties.headers, { [H_ATTEMPTS]: 0, [H_PUBLISHED_AT]: Date.now() });
      for (const k of [H_REASON, H_GROUP, H_TOPIC, H_DEAD_AT]) delete headers[k];
      const options = { messageId: randomUUID(), contentType: "application/json", headers };
      if (dead.group !== null) {
        await topology.group(topic, dead.group);
        await link.publish("", groupQueue(topic, dead.group), m.content, options, publishTimeoutMs);
      } else {
        // No group known: every group gets it again.
        await topology.topic(topic);
        await link.publish(topicNames(topic).exchange, topic, m.content, options, publishTimeoutMs);
      }
      ch.ack(m);
      acked.add(m);
    }
    return { result: acked.size, acked };
  });
  return count ?? 0;
}

export async function purgeDeadLetters(
  link: AmqpLink,
  topic: string,
  ids: string[] | undefined,
  deliveryLimit: number,
): Promise<number> {
  if (!ids) {
    return link.withChannel(async (ch) => {
      try {
        return (await ch.purgeQueue(topicNames(topic).dlq)).messageCount;
      } catch {
        return 0;
      }
    });
  }
  const wanted = new Set(ids);
  const count = await withDeadLetters(link, topic, Number.POSITIVE_INFINITY, async (ch, taken) => {
    const acked = new Set<GetMessage>();
    for (const m of taken) {
      if (!wanted.has(toDeadLetter(topic, m, deliveryLimit).id)) continue;
      ch.ack(m);
      acked.add(m);
    }
    return { result: acked.size, acked };
  });
  return count ?? 0;
}
