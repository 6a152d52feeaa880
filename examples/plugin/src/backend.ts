import {
  type ConsumeOptions,
  type DeadLetter,
  type Delivery,
  type Envelope,
  type QueueBackend,
  QueueClosedError,
  type QueueStats,
} from "./slackline.js";

/**
 * A template backend: the smallest thing that passes Slackline's contract suite. It keeps everything
 * in this process (so `durable` is false); a real plugin keeps the same shapes and swaps the Maps for
 * its broker: publish resolves once the broker confirmed, a lease is the broker's visibility timeout /
 * ack deadline, retry(delay) is a delayed redelivery, the DLQ is a queue or table of its own.
 */

interface Message {
  seq: number;
  message: Envelope;
  publishedAt: number;
}

/** One message as one group sees it: not acked yet. */
interface Slot {
  item: Message;
  attempt: number;
  /** When the group may take it (again): 0 ready, a lease end, or a retry's due time. */
  visibleAt: number;
  /** Bumped on every lease, so a stale holder cannot settle a message someone else holds now. */
  lease: number;
}

interface Group {
  /** Next position in the topic's log this group has not seen. */
  cursor: number;
  slots: Map<number, Slot>;
}

interface Topic {
  log: Message[];
  groups: Map<string, Group>;
  dead: DeadLetter[];
}

const POLL_MS = 20;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

export class ExampleQueue implements QueueBackend {
  readonly name = "example";
  readonly durable = false;
  private readonly topics = new Map<string, Topic>();
  private readonly closing = new AbortController();
  private seq = 0;

  constructor(private readonly options: { defaultLeaseMs: number } = { defaultLeaseMs: 30_000 }) {}

  private topic(name: string): Topic {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = { log: [], groups: new Map(), dead: [] };
      this.topics.set(name, topic);
    }
    return topic;
  }

  async publish(topic: string, message: Envelope): Promise<string> {
    if (this.closing.signal.aborted) throw new QueueClosedError(this.name);
    // A real backend: send, and resolve only once the broker says the message is stored.
    const item = { seq: ++this.seq, message: structuredClone(message), publishedAt: Date.now() };
    this.topic(topic).log.push(item);
    return String(item.seq);
  }

  async *consume(topicName: string, options: ConsumeOptions): AsyncGenerator<Delivery> {
    const topic = this.topic(topicName);
    // A new group starts at the beginning: it gets what was published before any worker ran.
    const group = topic.groups.get(options.group) ?? { cursor: 0, slots: new Map<number, Slot>() };
    topic.groups.set(options.group, group);
    const leaseMs = options.leaseMs ?? this.options.defaultLeaseMs;
    const signal = AbortSignal.any([this.closing.signal, ...(options.signal ? [options.signal] : [])]);
    const mine = new Map<number, number>(); // seq -> lease number, for the hand-back on stop
    try {
      while (!signal.aborted) {
        const slot = this.next(topic, group);
        if (!slot) {
          await sleep(POLL_MS, signal);
          continue;
        }
        slot.attempt += 1;
        slot.lease += 1;
        slot.visibleAt = Date.now() + leaseMs;
        mine.set(slot.item.seq, slot.lease);
        yield this.delivery(topicName, topic, options.group, group, slot, leaseMs, mine);
      }
    } finally {
      // Hand back what this consumer still holds, so another consumer gets it at once.
      for (const [seq, lease] of mine) {
        const slot = group.slots.get(seq);
        if (slot && slot.lease === lease) slot.visibleAt = 0;
      }
    }
  }

  /** The oldest slot whose time came (ready, retry due, lease expired), else the next new message. */
  private next(topic: Topic, group: Group): Slot | undefined {
    const now = Date.now();
    for (const slot of group.slots.values()) if (slot.visibleAt <= now) return slot;
    const item = topic.log[group.cursor];
    if (!item) return undefined;
    group.cursor += 1;
    const slot = { item, attempt: 0, visibleAt: 0, lease: 0 };
    group.slots.set(item.seq, slot);
    return slot;
  }

  private delivery(
    topicName: string,
    topic: Topic,
    groupName: string,
    group: Group,
    slot: Slot,
    leaseMs: number,
    mine: Map<number, number>,
  ): Delivery {
    const lease = slot.lease;
    const attempt = slot.attempt;
    let settled = false;
    // Only the first settle counts, and only while the lease is still ours.
    const settle = async (fn: () => void) => {
      if (settled) return;
      settled = true;
      if (mine.get(slot.item.seq) === lease) mine.delete(slot.item.seq);
      if (group.slots.get(slot.item.seq) === slot && slot.lease === lease) fn();
    };
    return {
      id: String(slot.item.seq),
      topic: topicName,
      message: slot.item.message,
      attempt,
      ack: () => settle(() => group.slots.delete(slot.item.seq)),
      retry: (delayMs) =>
        settle(() => {
          slot.visibleAt = Date.now() + Math.max(0, delayMs);
        }),
      deadLetter: (reason) =>
        settle(() => {
          group.slots.delete(slot.item.seq);
          topic.dead.push({
            // Increasing ids: listDeadLetters' `after` cursor compares them.
            id: String(++this.seq),
            topic: topicName,
            group: groupName,
            message: slot.item.message,
            reason,
            attempts: attempt,
            dead_at: Date.now(),
          });
        }),
      extend: async () => {
        if (!settled && slot.lease === lease) slot.visibleAt = Date.now() + leaseMs;
      },
    };
  }

  /** Oldest first; `after` is the id of the last dead letter of the previous page. */
  async listDeadLetters(
    topic: string,
    options: { limit?: number; after?: string } = {},
  ): Promise<DeadLetter[]> {
    const after = Number(options.after ?? 0);
    const dead = this.topic(topic).dead.filter((d) => Number(d.id) > after);
    return dead.slice(0, options.limit ?? 100);
  }

  /** Back to the group each died in, and only to it (a fresh slot no other group sees). */
  async replayDeadLetters(topicName: string, options: { ids?: string[] } = {}): Promise<number> {
    const topic = this.topic(topicName);
    const chosen = this.take(topic, options.ids);
    for (const dead of chosen) {
      const item = { seq: ++this.seq, message: dead.message, publishedAt: Date.now() };
      const group = dead.group === null ? undefined : topic.groups.get(dead.group);
      if (group) group.slots.set(item.seq, { item, attempt: 0, visibleAt: 0, lease: 0 });
      else topic.log.push(item);
    }
    return chosen.length;
  }

  async purgeDeadLetters(topic: string, options: { ids?: string[] } = {}): Promise<number> {
    return this.take(this.topic(topic), options.ids).length;
  }

  private take(topic: Topic, ids: string[] | undefined): DeadLetter[] {
    const chosen = topic.dead.filter((d) => !ids || ids.includes(d.id));
    topic.dead = topic.dead.filter((d) => !chosen.includes(d));
    return chosen;
  }

  async ping(): Promise<void> {
    // A real backend: a round trip to the broker, rejecting when it cannot be reached.
    if (this.closing.signal.aborted) throw new QueueClosedError(this.name);
  }

  async stats(topicName: string, groupName: string): Promise<QueueStats> {
    const topic = this.topic(topicName);
    const group = topic.groups.get(groupName);
    const waiting = [...(group?.slots.values() ?? [])].map((s) => s.item);
    waiting.push(...topic.log.slice(group?.cursor ?? 0));
    const oldest = Math.min(...waiting.map((m) => m.publishedAt));
    return { depth: waiting.length, oldestAgeMs: waiting.length ? Date.now() - oldest : null };
  }

  async close(): Promise<void> {
    this.closing.abort();
  }
}
