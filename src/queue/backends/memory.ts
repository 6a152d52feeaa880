import { randomUUID } from "node:crypto";
import { RecentIds } from "../../dedup/recent-ids.js";
import { type Envelope, envelopeJson } from "../../envelope/envelope.js";
import { SettleOnce } from "../settle-once.js";
import {
  type ConsumeOptions,
  type DeadLetter,
  type Delivery,
  type QueueBackend,
  type QueueBackendFactory,
  QueueClosedError,
  type QueueStats,
} from "../types.js";
import { anySignal, Wakeup } from "../wakeup.js";
import { memoryInfo } from "./memory/about.js";

interface Slot {
  seq: number;
  /** Stored as JSON, as the durable backends do: every delivery gets its own copy. */
  json: string;
  published_at: number;
  attempt: number;
  visibleAt: number;
  leasedBy: string | null;
}

interface Group {
  slots: Map<number, Slot>;
  /**
   * The group's seqs in publish order, from `head` on; acked ones are skipped and dropped from the
   * front. A pull scans this, not the Map: iterating a Map from its start walks over every entry
   * deleted since its last rehash, which made each pull slower as acks piled up.
   */
  order: number[];
  head: number;
  wakeup: Wakeup;
}

interface Topic {
  nextSeq: number;
  /** Every message still wanted by some group, or by groups not yet created. */
  log: Map<number, { json: string; published_at: number }>;
  groups: Map<string, Group>;
  /** In the order they died; their ids count up from 1. */
  dead: DeadLetter[];
  nextDeadId: number;
}

/**
 * In-process queue for tests and development. Not durable: everything is lost when the process exits.
 * Same semantics as the durable backends otherwise: groups, leases, delayed retry, dead letters.
 */
export class MemoryQueue implements QueueBackend {
  readonly name = "memory";
  readonly durable = false;
  private readonly topics = new Map<string, Topic>();
  private readonly closing = new AbortController();
  /** The same as closing.signal.aborted, read on every publish without the getter's cost. */
  private closed = false;

  private topic(name: string): Topic {
    let t = this.topics.get(name);
    if (!t) {
      t = { nextSeq: 1, log: new Map(), groups: new Map(), dead: [], nextDeadId: 1 };
      this.topics.set(name, t);
    }
    return t;
  }

  private group(topic: Topic, name: string): Group {
    let g = topic.groups.get(name);
    if (!g) {
      // A new group starts with every message the topic still holds.
      g = { slots: new Map(), order: [], head: 0, wakeup: new Wakeup() };
      for (const [seq, entry] of topic.log) {
        g.slots.set(seq, this.slot(seq, entry.json, entry.published_at));
        g.order.push(seq);
      }
      topic.groups.set(name, g);
    }
    return g;
  }

  private slot(seq: number, json: string, published_at: number): Slot {
    return { seq, json, published_at, attempt: 0, visibleAt: 0, leasedBy: null };
  }

  /** Ids published through publishOnce(), per topic, for their dedup window (bounded). */
  private readonly publishedIds = new Map<string, RecentIds>();

  publishOnce(topicName: string, message: Envelope, dedupTtlSeconds: number): Promise<string | null> {
    if (this.closed) return Promise.reject(new QueueClosedError(this.name));
    let seen = this.publishedIds.get(topicName);
    if (!seen) {
      seen = new RecentIds(100_000);
      this.publishedIds.set(topicName, seen);
    }
    const now = Date.now();
    if (seen.has(message.id, now)) return Promise.resolve(null);
    // In-process and synchronous: the id and the message are taken together, or neither is.
    try {
      const seq = this.publishNow(topicName, message);
      seen.add(message.id, dedupTtlSeconds * 1000, now);
      return Promise.resolve(seq);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async publish(topicName: string, message: Envelope): Promise<string> {
    if (this.closed) throw new QueueClosedError(this.name);
    return this.publishNow(topicName, message);
  }

  private publishNow(topicName: string, message: Envelope): string {
    return String(this.append(this.topic(topicName), envelopeJson(message), null));
  }

  /** Adds a message for every group (group null) or for one group only (a replayed dead letter). */
  private append(topic: Topic, json: string, only: Group | null): number {
    const seq = topic.nextSeq++;
    const published_at = Date.now();
    topic.log.set(seq, { json, published_at });
    for (const g of only ? [only] : topic.groups.values()) {
      g.slots.set(seq, this.slot(seq, json, published_at));
      g.order.push(seq);
      g.wakeup.notify();
    }
    return seq;
  }

  async *consume(topicName: string, options: ConsumeOptions): AsyncGenerator<Delivery> {
    if (this.closing.signal.aborted) return;
    const topic = this.topic(topicName);
    const group = this.group(topic, options.group);
    const consumer = options.consumer ?? randomUUID();
    const leaseMs = options.leaseMs ?? memoryInfo.defaultLeaseMs;
    const signal = anySignal(options.signal, this.closing.signal);
    const held = new Map<number, SettleOnce>();
    try {
      while (!signal.aborted) {
        const now = Date.now();
        let next: Slot | undefined;
        let soonest = Number.POSITIVE_INFINITY;
        for (let i = group.head; i < group.order.length; i++) {
          const slot = group.slots.get(group.order[i]!);
          if (!slot) {
            if (i === group.head) group.head++; // acked: gone for good
            continue;
          }
          // Ready, a delayed retry whose time came, or a lease that expired.
          if (slot.visibleAt <= now) {
            next = slot;
            break;
          }
          soonest = Math.min(soonest, slot.visibleAt);
        }
        if (group.head > 1024 && group.head * 2 > group.order.length) {
          group.order = group.order.slice(group.head);
          group.head = 0;
        }
        if (!next) {
          await group.wakeup.sleep(soonest - now, signal);
          continue;
        }
        next.attempt += 1;
        next.leasedBy = consumer;
        next.visibleAt = now + leaseMs;
        const once = new SettleOnce();
        held.set(next.seq, once);
        yield this.delivery(topicName, topic, group, next, once, leaseMs, () => held.delete(next.seq));
      }
    } finally {
      // Hand back what this consumer still holds, so the group gets it at once.
      for (const [seq, once] of held) {
        await once.run(() => {
          const slot = group.slots.get(seq);
          if (slot && slot.leasedBy === consumer) {
            slot.leasedBy = null;
            slot.visibleAt = 0;
          }
        });
      }
      group.wakeup.notify();
    }
  }

  private delivery(
    topicName: string,
    topic: Topic,
    group: Group,
    slot: Slot,
    once: SettleOnce,
    leaseMs: number,
    forget: () => void,
  ): Delivery {
    const attempt = slot.attempt;
    const owner = slot.leasedBy;
    // A lease that expired and went to another consumer is no longer ours to settle.
    const stillOurs = (): boolean =>
      group.slots.get(slot.seq) === slot && slot.leasedBy === owner && slot.attempt === attempt;
    const remove = (): void => {
      forget();
      if (!stillOurs()) return;
      group.slots.delete(slot.seq);
      this.forgetIfDone(topic, slot.seq);
    };
    return {
      id: String(slot.seq),
      topic: topicName,
      message: JSON.parse(slot.json) as Envelope,
      attempt,
      ack: () => once.run(remove),
      retry: (delayMs) =>
        once.run(() => {
          forget();
          if (!stillOurs()) return;
          slot.leasedBy = null;
          slot.visibleAt = Date.now() + Math.max(0, delayMs);
          group.wakeup.notify();
        }),
      deadLetter: (reason) =>
        once.run(() => {
          if (stillOurs()) {
            topic.dead.push({
              id: String(topic.nextDeadId++),
              topic: topicName,
              group: this.groupName(topic, group),
              message: JSON.parse(slot.json) as Envelope,
              reason,
              attempts: attempt,
              dead_at: Date.now(),
            });
          }
          remove();
        }),
      extend: async () => {
        if (!once.isSettled && stillOurs()) slot.visibleAt = Date.now() + leaseMs;
      },
    };
  }

  private groupName(topic: Topic, group: Group): string | null {
    for (const [name, g] of topic.groups) if (g === group) return name;
    return null;
  }

  private forgetIfDone(topic: Topic, seq: number): void {
    for (const g of topic.groups.values()) if (g.slots.has(seq)) return;
    topic.log.delete(seq);
  }

  async listDeadLetters(
    topicName: string,
    options: { limit?: number; after?: string } = {},
  ): Promise<DeadLetter[]> {
    const { dead } = this.topic(topicName);
    // Ids are increasing numbers, so a cursor survives the removal of the dead letter it names.
    const after = options.after === undefined ? 0 : Number(options.after);
    if (!Number.isSafeInteger(after)) return [];
    let from = 0;
    while (from < dead.length && Number(dead[from]!.id) <= after) from++;
    return dead.slice(from, from + (options.limit ?? 100));
  }

  async replayDeadLetters(topicName: string, options: { ids?: string[] } = {}): Promise<number> {
    const topic = this.topic(topicName);
    const chosen = this.take(topic, options.ids);
    for (const dead of chosen) {
      const only = dead.group === null ? null : this.group(topic, dead.group);
      this.append(topic, JSON.stringify(dead.message), only);
    }
    return chosen.length;
  }

  async purgeDeadLetters(topicName: string, options: { ids?: string[] } = {}): Promise<number> {
    return this.take(this.topic(topicName), options.ids).length;
  }

  private take(topic: Topic, ids: string[] | undefined): DeadLetter[] {
    const wanted = ids ? new Set(ids) : null;
    if (!wanted) return topic.dead.splice(0);
    const chosen: DeadLetter[] = [];
    const kept: DeadLetter[] = [];
    for (const d of topic.dead) (wanted.has(d.id) ? chosen : kept).push(d);
    topic.dead = kept;
    return chosen;
  }

  async ping(): Promise<void> {
    if (this.closing.signal.aborted) throw new QueueClosedError(this.name);
  }

  async stats(topicName: string, groupName: string): Promise<QueueStats> {
    const group = this.topics.get(topicName)?.groups.get(groupName);
    let oldest: number | null = null;
    for (const slot of group?.slots.values() ?? [])
      oldest = Math.min(oldest ?? slot.published_at, slot.published_at);
    return { depth: group?.slots.size ?? 0, oldestAgeMs: oldest === null ? null : Date.now() - oldest };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
  }
}

export const memoryBackend: QueueBackendFactory = {
  ...memoryInfo,
  fromEnv: () => new MemoryQueue(),
};
