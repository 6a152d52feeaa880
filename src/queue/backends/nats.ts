import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { Env } from "../../config/env.js";
import { NatsDedupStore, natsDedupOptionsFromEnv } from "../../dedup/nats.js";
import type { DedupStore } from "../../dedup/types.js";
import { type Envelope, envelopeJson } from "../../envelope/envelope.js";
import {
  type ConsumeOptions,
  type DeadLetter,
  type Delivery,
  type QueueBackend,
  type QueueBackendFactory,
  QueueClosedError,
  type QueueStats,
} from "../types.js";
import { anySignal } from "../wakeup.js";
import { natsInfo } from "./nats/about.js";
import { type NatsOptions, natsOptionsFromEnv } from "./nats/config.js";
import { NatsLink } from "./nats/connection.js";
import { type ConsumerContext, GroupConsumer } from "./nats/consumer.js";
import { nextMessage, purgeDeadLetters, readDeadLetters, replayDeadLetters } from "./nats/dead-letters.js";
import type { NatsDelivery } from "./nats/delivery.js";
import { isConsumerNotFound, isStreamNotFound, NatsUnavailableError } from "./nats/errors.js";
import { durableName, type TopicNames, topicNames } from "./nats/names.js";
import { type StoredAck, TurnPublisher } from "./nats/publisher.js";
import { Replies } from "./nats/replies.js";
import { JetStreamResources } from "./nats/resources.js";

const DEFAULT_PREFETCH = 16;
/** Acks, naks and the rest get longer than a publish: nothing waits on them but the worker. */
const SETTLE_TIMEOUT_MS = 5000;

/**
 * NATS JetStream: a stream per topic, a durable pull consumer per group, explicit acks.
 * See docs/nats.md for the layout and the guarantees.
 */
export class NatsQueue implements QueueBackend {
  readonly name = "nats";
  readonly durable = true;
  private readonly closing = new AbortController();
  /** Every running consume loop, stopped (their deliveries handed back) by close(). */
  private readonly consumers = new Set<GroupConsumer>();
  private readonly names = new Map<string, TopicNames>();
  private readonly resources: JetStreamResources;
  /** PubAcks (publishes, dead letters, the marker store's writes and reads). */
  private readonly replies: Replies;
  private readonly settles: Replies;
  private readonly publisher: TurnPublisher;
  private readonly context: ConsumerContext;

  private constructor(
    private readonly link: NatsLink,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly options: NatsOptions,
    /** Where markerStore() reads its bucket's settings. */
    private readonly env: Env,
  ) {
    this.resources = new JetStreamResources(jsm, options);
    this.replies = new Replies(link.nc, options.publishTimeoutMs);
    this.settles = new Replies(link.nc, SETTLE_TIMEOUT_MS);
    this.publisher = new TurnPublisher(this.replies);
    this.context = {
      js,
      resources: this.resources,
      options,
      settles: this.settles,
      writeDeadLetter: async (names, record) => {
        await this.resources.dlqStream(names);
        await this.publisher.publish(names.dlqSubject, JSON.stringify(record));
      },
    };
  }

  static async connect(options: NatsOptions, env: Env = {}): Promise<NatsQueue> {
    const link = await NatsLink.open(options.servers, "slackline-queue");
    try {
      const jsm = await jetstreamManager(link.nc, { timeout: options.publishTimeoutMs });
      const js = jetstream(link.nc, { timeout: options.publishTimeoutMs });
      return new NatsQueue(link, js, jsm, options, env);
    } catch (err) {
      await link.close();
      throw err;
    }
  }

  static fromEnv(env: Env): Promise<NatsQueue> {
    return NatsQueue.connect(natsOptionsFromEnv(env), env);
  }

  private topicNames(topic: string): TopicNames {
    let n = this.names.get(topic);
    if (!n) {
      n = topicNames(this.options.prefix, topic);
      this.names.set(topic, n);
    }
    return n;
  }

  private usable(): void {
    if (this.closing.signal.aborted) throw new QueueClosedError(this.name);
    if (!this.link.connected) throw new NatsUnavailableError();
  }

  /** The envelope id is the Nats-Msg-Id, so JetStream's duplicate window is a second dedup layer. */
  private async send(topic: string, message: Envelope, windowSeconds: number): Promise<StoredAck> {
    this.usable();
    const names = this.topicNames(topic);
    // Once the stream is known to exist, a publish waits on nothing but its PubAck.
    if (!this.resources.hasTopicStream(names, windowSeconds))
      await this.resources.topicStream(names, windowSeconds);
    return this.publisher.publish(names.subject, envelopeJson(message), message.id);
  }

  async publish(topic: string, message: Envelope): Promise<string> {
    // A duplicate inside the window is already durable: its PubAck carries the original sequence.
    return String((await this.send(topic, message, this.options.duplicateWindowSeconds)).seq);
  }

  async publishOnce(topic: string, message: Envelope, dedupTtlSeconds: number): Promise<string | null> {
    const window = Math.max(dedupTtlSeconds, this.options.duplicateWindowSeconds);
    const ack = await this.send(topic, message, window);
    return ack.duplicate ? null : String(ack.seq);
  }

  /** Processed-markers in a KV bucket on this backend's connection (its writes share the socket with the acks). */
  markerStore(): DedupStore {
    return NatsDedupStore.onConnection(this.link, this.replies, natsDedupOptionsFromEnv(this.env));
  }

  consumeBatches(topic: string, options: ConsumeOptions): AsyncIterable<readonly Delivery[]> {
    return this.loop(topic, options);
  }

  async *consume(topic: string, options: ConsumeOptions): AsyncGenerator<Delivery> {
    const leaseMs = options.leaseMs ?? natsInfo.defaultLeaseMs;
    for await (const batch of this.loop(topic, options)) {
      for (let i = 0; i < batch.length; i++) {
        const yieldedAt = Date.now();
        yield batch[i]!;
        // Our caller sat on that delivery long enough that the rest may have been redelivered
        // elsewhere: leave them alone, their leases bring them back.
        if (Date.now() - yieldedAt > leaseMs / 2) {
          for (let j = i + 1; j < batch.length; j++) batch[j]!.abandon();
          break;
        }
      }
    }
  }

  private async *loop(topic: string, options: ConsumeOptions): AsyncGenerator<NatsDelivery[]> {
    if (this.closing.signal.aborted) return;
    const consumer = new GroupConsumer(
      this.context,
      topic,
      this.topicNames(topic),
      options.group,
      options.leaseMs ?? natsInfo.defaultLeaseMs,
      Math.max(1, options.prefetch ?? DEFAULT_PREFETCH),
      anySignal(options.signal, this.closing.signal),
    );
    this.consumers.add(consumer);
    try {
      yield* consumer.batches();
    } finally {
      this.consumers.delete(consumer);
    }
  }

  /** False while the connection is down and being re-established. */
  get connected(): boolean {
    return this.link.connected;
  }

  async listDeadLetters(
    topic: string,
    options: { limit?: number; after?: string } = {},
  ): Promise<DeadLetter[]> {
    const after = options.after === undefined ? 0 : Number(options.after);
    // Not a sequence: nothing comes after it.
    if (!Number.isSafeInteger(after) || after < 0) return [];
    return readDeadLetters(this.jsm, this.topicNames(topic), topic, options.limit ?? 100, after);
  }

  async replayDeadLetters(topic: string, options: { ids?: string[] } = {}): Promise<number> {
    const names = this.topicNames(topic);
    await this.resources.topicStream(names, this.options.duplicateWindowSeconds);
    return replayDeadLetters(this.js, this.jsm, names, topic, options.ids, this.options.publishTimeoutMs);
  }

  async purgeDeadLetters(topic: string, options: { ids?: string[] } = {}): Promise<number> {
    return purgeDeadLetters(this.jsm, this.topicNames(topic), topic, options.ids);
  }

  async ping(): Promise<void> {
    this.usable();
    await this.jsm.getAccountInfo();
  }

  async stats(topic: string, group: string): Promise<QueueStats> {
    const names = this.topicNames(topic);
    let depth: number;
    let firstUnacked: number;
    try {
      const info = await this.jsm.consumers.info(names.stream, durableName(group));
      depth = info.num_pending + info.num_ack_pending;
      firstUnacked = info.ack_floor.stream_seq + 1;
    } catch (err) {
      if (isStreamNotFound(err)) return { depth: 0, oldestAgeMs: null };
      if (!isConsumerNotFound(err)) throw err;
      // No consumer yet: the group will start with everything the stream holds.
      const state = (await this.jsm.streams.info(names.stream)).state;
      depth = state.messages;
      firstUnacked = state.first_seq;
    }
    if (depth === 0) return { depth, oldestAgeMs: null };
    const oldest = await nextMessage(this.jsm, names.stream, ">", firstUnacked);
    return { depth, oldestAgeMs: oldest ? Math.max(0, Date.now() - oldest.time.getTime()) : null };
  }

  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    this.publisher.flush();
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.replies.close();
    this.settles.close();
    await this.link.close();
  }
}

export const natsBackend: QueueBackendFactory = {
  ...natsInfo,
  fromEnv: (env) => NatsQueue.fromEnv(env),
};
