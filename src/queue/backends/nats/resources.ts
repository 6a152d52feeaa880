import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import type { NatsOptions } from "./config.js";
import { isConsumerNotFound, isStreamNotFound } from "./errors.js";
import { durableName, type TopicNames } from "./names.js";

const NS_PER_MS = 1_000_000;
const NS_PER_S = 1_000_000_000;

/**
 * Creates the streams and durable consumers a topic needs, once per process (cached promises; a failed
 * attempt is forgotten so the next call tries again). Idempotent across processes: info first, add
 * when missing, update only what this process needs more of.
 */
export class JetStreamResources {
  private readonly streams = new Map<string, Promise<void>>();
  private readonly consumers = new Map<string, Promise<void>>();
  /** Topic streams known to exist, with the duplicate window they were made or updated with. */
  private readonly readyWindows = new Map<string, number>();

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly options: NatsOptions,
  ) {}

  /** JetStream rejects a duplicate window longer than the stream's max age. */
  private window(windowSeconds: number): number {
    const maxAge = this.options.maxAgeSeconds;
    return Math.max(1, maxAge > 0 ? Math.min(windowSeconds, maxAge) : windowSeconds);
  }

  /** True once topicStream() with these arguments succeeded (and nothing was forgotten since): a publish's fast path. */
  hasTopicStream(names: TopicNames, windowSeconds: number): boolean {
    return (this.readyWindows.get(names.stream) ?? 0) >= this.window(windowSeconds);
  }

  /** The topic stream, with a duplicate window of at least `windowSeconds`. */
  topicStream(names: TopicNames, windowSeconds: number): Promise<void> {
    const maxAge = this.options.maxAgeSeconds;
    const window = this.window(windowSeconds);
    const key = `${names.stream}@${window}`;
    return this.once(this.streams, key, async () => {
      const existing = await this.jsm.streams.info(names.stream).catch((err: unknown) => {
        if (isStreamNotFound(err)) return null;
        throw err;
      });
      if (!existing) {
        await this.jsm.streams.add({
          name: names.stream,
          subjects: [names.subject, `${names.replayPrefix}*`],
          retention: RetentionPolicy.Limits,
          storage: StorageType.File,
          discard: DiscardPolicy.Old,
          max_age: maxAge * NS_PER_S,
          duplicate_window: window * NS_PER_S,
          num_replicas: this.options.replicas,
        });
      } else if ((existing.config.duplicate_window ?? 0) < window * NS_PER_S) {
        await this.jsm.streams.update(names.stream, {
          ...existing.config,
          duplicate_window: window * NS_PER_S,
        });
      }
      this.readyWindows.set(names.stream, Math.max(window, this.readyWindows.get(names.stream) ?? 0));
    });
  }

  /** The `<topic>.dlq` stream: kept until purged. */
  dlqStream(names: TopicNames): Promise<void> {
    return this.once(this.streams, names.dlqStream, async () => {
      await this.jsm.streams.add({
        name: names.dlqStream,
        subjects: [names.dlqSubject],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        num_replicas: this.options.replicas,
      });
    });
  }

  /**
   * The group's durable pull consumer. Deliver policy "all": a group created late still gets what
   * the stream holds. max_deliver unlimited: the worker dead-letters by attempt count, because a
   * server-side limit would drop the message from the group with nothing in the DLQ.
   */
  groupConsumer(names: TopicNames, group: string, leaseMs: number): Promise<void> {
    const durable = durableName(group);
    const ackWait = Math.max(1, Math.round(leaseMs)) * NS_PER_MS;
    return this.once(this.consumers, `${names.stream}/${durable}@${ackWait}`, async () => {
      const existing = await this.jsm.consumers.info(names.stream, durable).catch((err: unknown) => {
        if (isConsumerNotFound(err)) return null;
        throw err;
      });
      if (!existing) {
        await this.jsm.consumers.add(names.stream, {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: ackWait,
          max_deliver: -1,
          max_ack_pending: this.options.maxAckPending,
        });
      } else if (existing.config.ack_wait !== ackWait) {
        // The lease is a consumer setting: the latest consume() of the group sets it for all.
        await this.jsm.consumers.update(names.stream, durable, { ack_wait: ackWait });
      }
    });
  }

  /** Forget a topic's cached state (its stream or consumer was deleted under us). */
  forget(names: TopicNames): void {
    const ours = (key: string) =>
      key === names.dlqStream || key.startsWith(`${names.stream}@`) || key.startsWith(`${names.stream}/`);
    for (const map of [this.streams, this.consumers]) {
      for (const key of map.keys()) if (ours(key)) map.delete(key);
    }
    this.readyWindows.delete(names.stream);
  }

  private once(map: Map<string, Promise<void>>, key: string, create: () => Promise<void>): Promise<void> {
    let p = map.get(key);
    if (!p) {
      p = create();
      map.set(key, p);
      p.catch(() => map.delete(key));
    }
    return p;
  }
}
