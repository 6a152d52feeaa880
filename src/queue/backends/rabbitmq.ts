import { randomUUID } from "node:crypto";
import type { Env } from "../../config/env.js";
import { withDeadline } from "../../deadline.js";
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
import { rabbitmqInfo } from "./rabbitmq/about.js";
import { type RabbitOptions, rabbitOptionsFromEnv } from "./rabbitmq/config.js";
import { listDeadLetters, purgeDeadLetters, replayDeadLetters } from "./rabbitmq/dead-letters.js";
import type { RabbitDelivery } from "./rabbitmq/delivery.js";
import { UnroutableError } from "./rabbitmq/errors.js";
import {
  copyHeaders,
  H_ATTEMPTS,
  H_DEAD_AT,
  H_GROUP,
  H_PUBLISHED_AT,
  H_REASON,
  H_SOURCE_ID,
  H_TOPIC,
} from "./rabbitmq/headers.js";
import { AmqpLink } from "./rabbitmq/link.js";
import { groupQueue, topicNames } from "./rabbitmq/names.js";
import { Subscription } from "./rabbitmq/subscription.js";
import { Topology } from "./rabbitmq/topology.js";

const DEFAULT_PREFETCH = 16;

async function* empty<T>(): AsyncGenerator<T> {}

/**
 * RabbitMQ: a durable topic exchange per topic, a quorum queue per group bound to it, publisher
 * confirms, manual acks, delayed retries through per-delay queues. See docs/rabbitmq.md.
 */
export class RabbitQueue implements QueueBackend {
  readonly name = "rabbitmq";
  readonly durable = true;
  private readonly closing = new AbortController();
  readonly topology: Topology;
  /** Groups consumed per topic in this process: the publisher declares their queues too. */
  private readonly consumedGroups = new Map<string, Set<string>>();
  private readonly subscriptions = new Map<string, Set<Subscription>>();
  /** Topics whose exchange and group queues this process has declared: a publish goes straight out. */
  private readonly preparedTopics = new Set<string>();

  private constructor(
    private readonly link: AmqpLink,
    readonly options: RabbitOptions,
  ) {
    this.topology = new Topology(link, options);
  }

  static async connect(options: RabbitOptions): Promise<RabbitQueue> {
    return new RabbitQueue(
      await AmqpLink.open(options.url, options.connectionName, options.heartbeatSeconds),
      options,
    );
  }

  static fromEnv(env: Env): Promise<RabbitQueue> {
    return RabbitQueue.connect(rabbitOptionsFromEnv(env));
  }

  /**
   * RabbitMQ drops what no queue is bound for, so before publishing the group queues must exist:
   * those of SLACKLINE_GROUPS and of every group this process consumes.
   */
  private async prepareTopic(topic: string): Promise<void> {
    await this.topology.topic(topic);
    await this.topology.groups(topic, [...this.options.groups, ...(this.consumedGroups.get(topic) ?? [])]);
  }

  async publish(topic: string, message: Envelope): Promise<string> {
    if (this.closing.signal.aborted) throw new QueueClosedError(this.name);
    this.link.current(); // fail fast while disconnected
    if (!this.preparedTopics.has(topic)) {
      // Groups are only ever added: the same count after the declarations means none was missed.
      const groups = this.consumedGroups.get(topic)?.size ?? 0;
      // Once per topic and process; bounded so ingress still answers before Slack gives up.
      await withDeadline(
        this.prepareTopic(topic),
        this.options.publishTimeoutMs,
        "declaring the topic's queues",
      );
      if ((this.consumedGroups.get(topic)?.size ?? 0) === groups) this.preparedTopics.add(topic);
    }
    const id = randomUUID();
    const now = Date.now();
    try {
      await this.link.publish(
        topicNames(topic).exchange,
        topic,
        Buffer.from(envelopeJson(message)),
        {
          messageId: id,
          contentType: "application/json",
          timestamp: Math.floor(now / 1000),
          headers: { [H_PUBLISHED_AT]: now },
        },
        this.options.publishTimeoutMs,
      );
    } catch (err) {
      // Unroutable: something deleted our exchange or queues; declare again next time.
      if (err instanceof UnroutableError) {
        this.topology.forget(topic);
        this.preparedTopics.delete(topic);
      }
      throw err;
    }
    return id;
  }

  consume(topic: string, options: ConsumeOptions): AsyncIterable<Delivery> {
    const sub = this.subscribe(topic, options);
    return sub ? this.track(topic, options, sub, (signal) => sub.run(signal)) : empty();
  }

  consumeBatches(topic: string, options: ConsumeOptions): AsyncIterable<readonly Delivery[]> {
    const sub = this.subscribe(topic, options);
    return sub ? this.track(topic, options, sub, (signal) => sub.batches(signal)) : empty();
  }

  /** Registered now, not when iteration starts, so a publish right after consume() reaches the group. */
  private subscribe(topic: string, options: ConsumeOptions): Subscription | null {
    const groups = this.consumedGroups.get(topic) ?? new Set<string>();
    if (!groups.has(options.group)) this.preparedTopics.delete(topic);
    this.consumedGroups.set(topic, groups.add(options.group));
    if (this.closing.signal.aborted) return null;
    const { group } = options;
    return new Subscription(this.link, {
      topic,
      queue: groupQueue(topic, group),
      prefetch: Math.max(1, options.prefetch ?? DEFAULT_PREFETCH),
      leaseMs: options.leaseMs ?? rabbitmqInfo.defaultLeaseMs,
      prepare: () => this.topology.group(topic, group),
      publishDelayed: (d, ms) => this.publishDelayed(topic, group, d, ms),
      publishDeadLetter: (d, reason) => this.publishDeadLetter(topic, group, d, reason),
    });
  }

  private async *track<T>(
    topic: string,
    options: ConsumeOptions,
    sub: Subscription,
    iterate: (signal: AbortSignal) => AsyncGenerator<T>,
  ): AsyncGenerator<T> {
    const key = `${topic}\u0000${options.group}`;
    const subs = this.subscriptions.get(key) ?? new Set<Subscription>();
    this.subscriptions.set(key, subs.add(sub));
    try {
      yield* iterate(anySignal(options.signal, this.closing.signal));
    } finally {
      subs.delete(sub);
    }
  }

  /** A copy waits in the delay queue, then dead-letters back to the group queue. */
  private async publishDelayed(topic: string, group: string, d: RabbitDelivery, ms: number): Promise<void> {
    const queue = await this.topology.delay(topic, group, ms);
    await this.link.publish(
      "",
      queue,
      d.msg.content,
      {
        messageId: String(d.msg.properties.messageId ?? randomUUID()),
        contentType: "application/json",
        headers: copyHeaders(d.msg.properties.headers, { [H_ATTEMPTS]: d.attempt }),
      },
      this.options.publishTimeoutMs,
    );
  }

  private async publishDeadLetter(topic: string, group: string, d: RabbitDelivery, reason: string) {
    await this.topology.topic(topic);
    await this.link.publish(
      "",
      topicNames(topic).dlq,
      d.msg.content,
      {
        messageId: randomUUID(),
        contentType: "application/json",
        timestamp: Math.floor(Date.now() / 1000),
        headers: copyHeaders(d.msg.properties.headers, {
          [H_REASON]: reason,
          [H_GROUP]: group,
          [H_TOPIC]: topic,
          [H_ATTEMPTS]: d.attempt,
          [H_DEAD_AT]: Date.now(),
          [H_SOURCE_ID]: String(d.msg.properties.messageId ?? ""),
        }),
      },
      this.options.publishTimeoutMs,
    );
  }

  /** False while the connection is down and being re-established. */
  get connected(): boolean {
    return this.link.connected;
  }

  async listDeadLetters(topic: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    return listDeadLetters(this.link, topic, options.limit ?? 100, this.options.deliveryLimit);
  }

  async replayDeadLetters(topic: string, options: { ids?: string[] } = {}): Promise<number> {
    return replayDeadLetters(
      this.link,
      this.topology,
      topic,
      options.ids,
      this.options.deliveryLimit,
      this.options.publishTimeoutMs,
    );
  }

  async purgeDeadLetters(topic: string, options: { ids?: string[] } = {}): Promise<number> {
    return purgeDeadLetters(this.link, topic, options.ids, this.options.deliveryLimit);
  }

  async ping(): Promise<void> {
    if (this.closing.signal.aborted) throw new QueueClosedError(this.name);
    await this.link.withChannel((ch) => ch.checkExchange("amq.topic"));
  }

  /**
   * depth = ready messages in the group queue (queue.declare-ok counts only those) + messages this
   * process holds unacked. Unacked messages of other processes and delayed retries are not visible
   * over AMQP. oldestAgeMs: the oldest message this process holds, else null.
   */
  async stats(topic: string, group: string): Promise<QueueStats> {
    const ready = await this.link.withChannel(async (ch) => {
      try {
        return (await ch.checkQueue(groupQueue(topic, group))).messageCount;
      } catch {
        return 0;
      }
    });
    let leased = 0;
    let oldest: number | null = null;
    for (const sub of this.subscriptions.get(`${topic}\u0000${group}`) ?? []) {
      for (const held of sub.held) {
        leased++;
        oldest = Math.min(oldest ?? held.publishedAt, held.publishedAt);
      }
    }
    return {
      depth: ready + leased,
      oldestAgeMs: oldest === null ? null : Math.max(0, Date.now() - oldest),
      partial:
        "ready messages and those this process holds; other consumers' unacked messages and delayed retries are not visible over AMQP",
    };
  }

  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    const stops: Promise<void>[] = [];
    for (const subs of this.subscriptions.values()) for (const sub of subs) stops.push(sub.stop());
    await Promise.all(stops);
    await this.link.close();
  }
}

export const rabbitmqBackend: QueueBackendFactory = {
  ...rabbitmqInfo,
  fromEnv: (env) => RabbitQueue.fromEnv(env),
};
