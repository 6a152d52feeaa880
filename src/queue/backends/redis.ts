import type { Redis } from "ioredis";
import type { Env } from "../../config/env.js";
import { RedisDedupStore } from "../../dedup/redis.js";
import type { DedupStore } from "../../dedup/types.js";
import { type Envelope, envelopeJson } from "../../envelope/envelope.js";
import { SlacklineError } from "../../errors.js";
import { type Logger, silentLogger } from "../../observability/logger.js";
import {
  type ConsumeOptions,
  type DeadLetter,
  type Delivery,
  type QueueBackend,
  type QueueBackendFactory,
  QueueClosedError,
  type QueueStats,
} from "../types.js";
import { redisInfo } from "./redis/about.js";
import { AckBatcher } from "./redis/ack-batcher.js";
import { REDIS_DEFAULTS, type RedisConfig, RedisKeys, redisConfigFromEnv, ttlMs } from "./redis/config.js";
import {
  blockingClient,
  closeClient,
  commandClient,
  connect,
  connectionProblem,
  redactUrl,
} from "./redis/connection.js";
import { type ConsumerContext, RedisConsumer } from "./redis/consumer.js";
import { ConsumerNames } from "./redis/consumer-name.js";
import { type StreamEntry, toDeadLetter } from "./redis/entries.js";
import { isRedisReply } from "./redis/errors.js";
import { volatileRedisWarning } from "./redis/persistence.js";
import { PublishBatcher } from "./redis/publish-batch.js";
import { type QueueScripts, queueScripts } from "./redis/scripts.js";

export interface RedisQueueOptions extends Partial<RedisConfig> {
  logger?: Logger;
}

/** Most entries one trim script call removes, so a big backlog never blocks Redis for long. */
const TRIM_BATCH = 10_000;
const REPLAY_BATCH = 500;

/**
 * Redis Streams backend. One stream per topic, one consumer group per Slackline group; an entry is
 * XACKed only when the worker acks it. Layout and guarantees: docs/redis.md.
 */
export class RedisQueue implements QueueBackend {
  readonly name = "redis";
  readonly durable = true;
  readonly config: RedisConfig;
  readonly keys: RedisKeys;
  /** The command connection (every command on it is batched by its caller); exposed for tests and tools. */
  readonly client: Redis;
  private readonly scripts: QueueScripts;
  private readonly acks: AckBatcher;
  private readonly batches: PublishBatcher;
  private readonly logger: Logger;
  private readonly consumers = new Set<RedisConsumer>();
  private readonly groups = new Set<string>();
  /** Stream key of each topic published to. */
  private readonly streams = new Map<string, string>();
  /** Publishes since the last trim, by stream. */
  private readonly trims = new Map<
    string,
    { topic: string; published: number; running: Promise<void> | null }
  >();
  private readonly context: ConsumerContext;
  private closed: Promise<void> | null = null;

  constructor(options: RedisQueueOptions = {}) {
    const { logger, ...config } = options;
    this.config = { ...REDIS_DEFAULTS, ...stripUndefined(config) };
    this.logger = logger ?? silentLogger;
    this.keys = new RedisKeys(this.config.keyPrefix);
    const connectOptions = { commandTimeoutMs: this.config.commandTimeoutMs, logger: this.logger };
    this.client = commandClient(this.config.url, {
      ...connectOptions,
      connectionName: "slackline",
      // Publishes go as one script per turn, acks as one XACK per turn (PublishBatcher, AckBatcher).
      batchedByCaller: "all",
    });
    this.scripts = queueScripts(this.client);
    this.acks = new AckBatcher(this.client);
    this.batches = new PublishBatcher(this.scripts, (stream, added) => this.published(stream, added));
    this.context = {
      client: this.client,
      scripts: this.scripts,
      keys: this.keys,
      acks: this.acks,
      names: new ConsumerNames(this.config.dataDir),
      logger: this.logger,
      deadConsumerIdleMs: this.config.deadConsumerIdleMs,
      openBlocking: async (consumer) => {
        const client = blockingClient(this.config.url, {
          ...connectOptions,
          connectionName: `slackline-consumer-${consumer.replace(/[^A-Za-z0-9_.-]/g, "_")}`,
        });
        await connect(client);
        return client;
      },
      ensureGroup: (stream, group) => this.ensureGroup(stream, group),
      forgetGroup: (stream, group) => this.groups.delete(`${group}\u0000${stream}`),
    };
  }

  /**
   * Processed-markers on this queue's command connection and key prefix: a worker's lookups and
   * marks are one command per turn each, like its acks, so they need no connection of their own.
   */
  markerStore(): DedupStore {
    return new RedisDedupStore({
      client: this.client,
      url: this.config.url,
      keyPrefix: this.config.keyPrefix,
    });
  }

  /** Connects before resolving (the first ping must not race the handshake); Redis down is reported by ping(). */
  static async open(options: RedisQueueOptions = {}): Promise<RedisQueue> {
    const queue = new RedisQueue(options);
    await connect(queue.client);
    return queue;
  }

  private get isClosed(): boolean {
    return this.closed !== null;
  }

  publish(topic: string, message: Envelope): Promise<string> {
    if (this.isClosed) return Promise.reject(new QueueClosedError(this.name));
    // No async frame of its own: a gateway or producer publishes many messages a turn.
    return this.batches.publish(this.streamOf(topic), envelopeJson(message), message.id);
  }

  /** Dedup key check (shared with RedisDedupStore), XADD and the key's SET, in one script. */
  async publishOnce(topic: string, message: Envelope, dedupTtlSeconds: number): Promise<string | null> {
    if (this.isClosed) throw new QueueClosedError(this.name);
    const id = await this.batches.publishOnce(this.streamOf(topic), {
      dedupKey: this.keys.dedup(message.id),
      ttlMs: ttlMs(dedupTtlSeconds),
      json: envelopeJson(message),
      id: message.id,
    });
    return id === "" ? null : id;
  }

  /** The topic's stream key, made once per topic (and its trim counter with it). */
  private streamOf(topic: string): string {
    let stream = this.streams.get(topic);
    if (stream === undefined) {
      stream = this.keys.stream(topic);
      this.streams.set(topic, stream);
      this.trims.set(stream, { topic, published: 0, running: null });
    }
    return stream;
  }

  consume(topic: string, options: ConsumeOptions): AsyncIterable<Delivery> {
    return this.consumer(topic, options)?.run() ?? (async function* () {})();
  }

  /** As consume(), a read's entries at a time. */
  consumeBatches(topic: string, options: ConsumeOptions): AsyncIterable<readonly Delivery[]> {
    return this.consumer(topic, options)?.batches() ?? (async function* () {})();
  }

  private consumer(topic: string, options: ConsumeOptions): RedisConsumer | null {
    if (this.isClosed) return null;
    const consumer = new RedisConsumer(this.context, topic, options, () => this.consumers.delete(consumer));
    this.consumers.add(consumer);
    return consumer;
  }

  private async ensureGroup(stream: string, group: string): Promise<void> {
    const key = `${group}\u0000${stream}`;
    if (this.groups.has(key)) return;
    try {
      // From 0: a group's first consumer gets what was published before any worker ran.
      await this.client.xgroup("CREATE", stream, group, "0", "MKSTREAM");
    } catch (err) {
      if (!isRedisReply(err, "BUSYGROUP")) throw err;
    }
    this.groups.add(key);
  }

  /** Counts publishes; every so often trims the stream in the background (never awaited by publish). */
  private published(stream: string, added: number): void {
    const max = this.config.streamMaxLen;
    const state = this.trims.get(stream);
    if (max === 0 || !state) return;
    state.published += added;
    if (state.running || state.published < Math.min(1000, Math.max(1, Math.floor(max / 10)))) return;
    state.published = 0;
    const { topic } = state;
    state.running = this.trim(topic)
      .then(
        () => {},
        (err: Error) => this.logger.warn({ err, topic }, "redis stream trim failed"),
      )
      .finally(() => {
        state.running = null;
      });
  }

  /**
   * Trims the topic's stream towards REDIS_STREAM_MAXLEN, removing only entries that every group has
   * read and none holds (see docs/redis.md). Resolves with how many entries were removed.
   */
  async trim(topic: string): Promise<number> {
    if (this.config.streamMaxLen === 0) return 0;
    let total = 0;
    for (let i = 0; i < 100; i++) {
      const removed = Number(
        await this.scripts.trim(this.keys.stream(topic), this.config.streamMaxLen, TRIM_BATCH),
      );
      total += removed;
      if (removed < TRIM_BATCH) break;
    }
    return total;
  }

  async listDeadLetters(
    topic: string,
    options: { limit?: number; after?: string } = {},
  ): Promise<DeadLetter[]> {
    // Not a stream id: nothing comes after it (and XRANGE would reject it).
    if (options.after !== undefined && !/^\d+-\d+$/.test(options.after)) return [];
    const entries = (await this.client.xrange(
      this.keys.deadLetters(topic),
      options.after === undefined ? "-" : `(${options.after}`,
      "+",
      "COUNT",
      options.limit ?? 100,
    )) as StreamEntry[];
    return entries.map((e) => toDeadLetter(topic, e));
  }

  /** Each dead letter goes back into the stream addressed to the group it died in (see docs/redis.md). */
  async replayDeadLetters(topic: string, options: { ids?: string[] } = {}): Promise<number> {
    const dlq = this.keys.deadLetters(topic);
    const stream = this.keys.stream(topic);
    let total = 0;
    for (const ids of await this.chosenDeadLetters(dlq, options.ids)) {
      total += Number(await this.scripts.replay(dlq, stream, ...ids));
    }
    return total;
  }

  async purgeDeadLetters(topic: string, options: { ids?: string[] } = {}): Promise<number> {
    const dlq = this.keys.deadLetters(topic);
    if (!options.ids) return Number(await this.scripts.purgeAll(dlq));
    let total = 0;
    for (const ids of chunks(options.ids, REPLAY_BATCH))
      total += ids.length ? await this.client.xdel(dlq, ...ids) : 0;
    return total;
  }

  /** The ids asked for, or every dead letter present now (not ones that die while we replay), in batches. */
  private async chosenDeadLetters(dlq: string, ids: string[] | undefined): Promise<string[][]> {
    if (ids) return chunks(ids, REPLAY_BATCH);
    const all: string[] = [];
    let cursor = "-";
    for (;;) {
      const page = (await this.client.xrange(dlq, cursor, "+", "COUNT", REPLAY_BATCH)) as StreamEntry[];
      for (const [id] of page) all.push(id);
      if (page.length < REPLAY_BATCH) break;
      cursor = `(${page[page.length - 1]![0]}`;
    }
    return chunks(all, REPLAY_BATCH);
  }

  async ping(): Promise<void> {
    if (this.isClosed) throw new QueueClosedError(this.name);
    try {
      await this.client.ping();
    } catch (err) {
      const why = connectionProblem(this.client) ?? (err as Error).message;
      throw new SlacklineError(
        "SLACKLINE_BACKEND_UNREACHABLE",
        `redis at ${redactUrl(this.config.url)}: ${why}`,
        {
          cause: err,
        },
      );
    }
  }

  async persistenceWarning(): Promise<string | null> {
    return volatileRedisWarning(
      this.client,
      this.config.url,
      "every queued event not yet handled, the dead letters, the delayed retries, the dedup keys (Slack's retries are queued again) and the processed-markers (redelivered events run their handlers again)",
      () => this.logger.debug("redis: CONFIG GET is not available; persistence not checked"),
    );
  }

  async stats(topic: string, group: string): Promise<QueueStats> {
    const [depth, age] = (await this.scripts.stats(
      this.keys.stream(topic),
      this.keys.delayed(topic, group),
      group,
    )) as [number, number];
    return { depth: Number(depth), oldestAgeMs: Number(age) < 0 ? null : Number(age) };
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.batches.flush();
      await Promise.all([...this.consumers].map((c) => c.stop()));
      await this.acks.drain();
      await Promise.all([...this.trims.values()].map((t) => t.running));
      await closeClient(this.client);
    })();
    return this.closed;
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export const redisBackend: QueueBackendFactory = {
  ...redisInfo,
  fromEnv: (env: Env) => RedisQueue.open(redisConfigFromEnv(env)),
};
