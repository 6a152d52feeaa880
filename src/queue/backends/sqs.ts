import { GetTopicAttributesCommand, SNSClient } from "@aws-sdk/client-sns";
import { type MessageAttributeValue, SQSClient } from "@aws-sdk/client-sqs";
import { awsErrorName } from "../../config/aws.js";
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
import { anySignal, Wakeup } from "../wakeup.js";
import { sqsInfo } from "./sqs/about.js";
import { A_TOPIC, stringAttribute } from "./sqs/attributes.js";
import { type SqsOptions, sqsOptionsFromEnv } from "./sqs/config.js";
import { GroupConsumer } from "./sqs/consumer.js";
import {
  type DeadLetterContext,
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
} from "./sqs/dead-letters.js";
import type { SqsDelivery } from "./sqs/delivery.js";
import { ResourceMissingError } from "./sqs/errors.js";
import { groupQueueNames } from "./sqs/names.js";
import { TopicPublisher } from "./sqs/publisher.js";
import { QueueOps } from "./sqs/queue-ops.js";
import { type GroupQueues, SqsResources } from "./sqs/resources.js";
import { queueDepth, queueUrlOrNull } from "./sqs/stats.js";

const DEFAULT_PREFETCH = 16;

interface PublishTarget {
  publisher: TopicPublisher;
  attributes: Record<string, MessageAttributeValue>;
}

/**
 * Amazon SQS behind an SNS topic: publish goes to the topic, each consumer group has its own queue
 * `<topic>-<group>` subscribed with raw delivery, and a dead-letter queue `<topic>-<group>-dlq` its
 * redrive policy points at. The lease is the visibility timeout. See docs/aws.md.
 */
export class SqsQueue implements QueueBackend {
  readonly name = "sqs";
  readonly durable = true;
  readonly resources: SqsResources;
  private readonly closing = new AbortController();
  private readonly consumedGroups = new Map<string, Set<string>>();
  private readonly consumers = new Set<GroupConsumer>();
  private readonly ops = new Map<string, QueueOps>();
  private readonly publishers = new Map<string, TopicPublisher>();
  /** Per topic: its SNS topic ARN once the topic (and, when creating, its groups' queues) is ready. */
  private readonly prepared = new Map<string, Promise<string>>();
  /** Per ready topic: its publisher and the attributes every publish carries. */
  private readonly targets = new Map<string, PublishTarget>();
  private verified: Promise<string> | null = null;

  constructor(
    readonly sqs: SQSClient,
    readonly sns: SNSClient,
    readonly options: SqsOptions,
  ) {
    this.resources = new SqsResources(sqs, sns, options);
  }

  static fromEnv(env: Env): SqsQueue {
    const options = sqsOptionsFromEnv(env);
    // useQueueUrlAsEndpoint off: the client's endpoint (AWS_ENDPOINT_URL_SQS, a VPC endpoint, an
    // emulator) is used even when a queue URL names another host, as an emulator's queue URLs do.
    const sqs = new SQSClient({ ...options.sqs, useQueueUrlAsEndpoint: false });
    const sns = new SNSClient(options.sns);
    return new SqsQueue(sqs, sns, options);
  }

  private get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /** Queue operations (batched deletes, visibility changes, sends) of one queue URL. */
  private opsOf = (queueUrl: string): QueueOps => {
    let ops = this.ops.get(queueUrl);
    if (!ops) {
      ops = new QueueOps(this.sqs, queueUrl);
      this.ops.set(queueUrl, ops);
    }
    return ops;
  };

  /**
   * The topic's SNS ARN. With SLACKLINE_CREATE_RESOURCES=1 the queues of SLACKLINE_GROUPS and of the
   * groups this process consumes are created first: SNS drops what reaches a topic no queue is
   * subscribed to. Without it they are checked by ping() at start-up, and publish only needs the ARN.
   */
  private topicReady(topic: string): Promise<string> {
    let p = this.prepared.get(topic);
    if (!p) {
      p = (async () => {
        const arn = await this.resources.topicArn(topic);
        if (this.options.createResources) {
          const groups = new Set([...this.options.groups, ...(this.consumedGroups.get(topic) ?? [])]);
          await Promise.all([...groups].map((g) => this.resources.group(topic, g)));
        }
        return arn;
      })();
      this.prepared.set(topic, p);
      const mine = p;
      p.catch(() => {
        if (this.prepared.get(topic) === mine) this.forgetTopic(topic);
      });
    }
    return p;
  }

  async publish(topic: string, message: Envelope): Promise<string> {
    if (this.closed) throw new QueueClosedError(this.name);
    const target = this.targets.get(topic) ?? (await this.target(topic));
    try {
      return await target.publisher.publish(envelopeJson(message), target.attributes);
    } catch (err) {
      if (awsErrorName(err) === "NotFoundException" || awsErrorName(err) === "NotFound") {
        // Deleted under us: look it up (or create it) again next time.
        this.resources.forget(topic);
        this.forgetTopic(topic);
      }
      throw err;
    }
  }

  /** Where a topic's publishes go, once it is ready (the hot path then costs one map lookup). */
  private async target(topic: string): Promise<PublishTarget> {
    // Bounded: the first publish of a topic may look it up (or create it) before Slack's 3 s are up.
    const ready = this.topicReady(topic);
    const arn = await withDeadline(ready, this.options.publishTimeoutMs, `preparing SNS topic of "${topic}"`);
    const target = {
      publisher: this.publishers.get(arn) ?? new TopicPublisher(this.sns, arn, this.options.publishTimeoutMs),
      // One attributes object per topic, reused by every publish.
      attributes: { [A_TOPIC]: stringAttribute(topic) },
    };
    this.publishers.set(arn, target.publisher);
    // Only while the preparation it came from still stands (a new group may have joined meanwhile).
    if (this.prepared.get(topic) === ready) this.targets.set(topic, target);
    return target;
  }

  private forgetTopic(topic: string): void {
    this.prepared.delete(topic);
    this.targets.delete(topic);
  }

  consume(topic: string, options: ConsumeOptions): AsyncIterable<Delivery> {
    const batches = this.consumeBatches(topic, options);
    return (async function* () {
      for await (const batch of batches) yield* batch;
    })();
  }

  consumeBatches(topic: string, options: ConsumeOptions): AsyncIterable<readonly Delivery[]> {
    // Registered now, not when iteration starts, so a publish right after consume() reaches the group.
    const groups = this.consumedGroups.get(topic) ?? new Set<string>();
    if (!groups.has(options.group)) {
      this.consumedGroups.set(topic, groups.add(options.group));
      this.forgetTopic(topic);
    }
    return this.loop(topic, options);
  }

  private async *loop(topic: string, options: ConsumeOptions): AsyncGenerator<SqsDelivery[]> {
    if (this.closed) return;
    const signal = anySignal(options.signal, this.closing.signal);
    const queues = await this.groupQueues(topic, options.group, signal);
    if (!queues) return;
    const consumer = new GroupConsumer(this.sqs, {
      topic,
      queues,
      ops: this.opsOf(queues.queueUrl),
      dlqOps: this.opsOf(queues.dlqUrl),
      leaseMs: options.leaseMs ?? sqsInfo.defaultLeaseMs,
      prefetch: Math.max(1, options.prefetch ?? DEFAULT_PREFETCH),
      waitTimeSeconds: this.options.waitTimeSeconds,
    });
    this.consumers.add(consumer);
    try {
      yield* consumer.run(signal);
    } finally {
      this.consumers.delete(consumer);
    }
  }

  /** The group's queues; a missing one (when not creating) ends the loop with its error, others are retried. */
  private async groupQueues(topic: string, group: string, signal: AbortSignal): Promise<GroupQueues | null> {
    const wake = new Wakeup();
    for (let failures = 0; !signal.aborted; failures++) {
      try {
        return await this.resources.group(topic, group);
      } catch (err) {
        if (signal.aborted) return null;
        if (err instanceof ResourceMissingError) throw err;
        await wake.sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), signal);
      }
    }
    return null;
  }

  private deadLetterContext(topic: string): DeadLetterContext {
    return {
      sqs: this.sqs,
      topic,
      knownGroups: new Set([...this.options.groups, ...(this.consumedGroups.get(topic) ?? [])]),
      maxAttempts: this.options.maxAttempts,
      ops: this.opsOf,
    };
  }

  async listDeadLetters(topic: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    return listDeadLetters(this.deadLetterContext(topic), options.limit ?? 100);
  }

  async replayDeadLetters(topic: string, options: { ids?: string[] } = {}): Promise<number> {
    return replayDeadLetters(this.deadLetterContext(topic), options.ids);
  }

  async purgeDeadLetters(topic: string, options: { ids?: string[] } = {}): Promise<number> {
    return purgeDeadLetters(this.deadLetterContext(topic), options.ids);
  }

  /**
   * The first call checks (or creates) what SLACK_EVENTS_TOPIC needs: its SNS topic and the queues,
   * DLQs and subscriptions of SLACKLINE_GROUPS; a missing one rejects with its name. Every call then
   * asks SNS for the topic's attributes, so a readiness probe sees SNS go away.
   */
  async ping(): Promise<void> {
    if (this.closed) throw new QueueClosedError(this.name);
    const { topic, groups } = this.options;
    if (!this.verified) {
      const verifying = (async () => {
        const arn = await this.resources.topicArn(topic);
        await Promise.all(groups.map((g) => this.resources.group(topic, g)));
        return arn;
      })();
      this.verified = verifying;
      verifying.catch(() => {
        if (this.verified === verifying) this.verified = null;
      });
    }
    const arn = await this.verified;
    await this.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }));
  }

  /**
   * depth: SQS's ApproximateNumberOfMessages (ready) + NotVisible (leased, or waiting out a retry
   * delay) + Delayed, approximate as SQS says. oldestAgeMs: SQS's API does not tell the age of the
   * oldest message (CloudWatch's ApproximateAgeOfOldestMessage does), so this is the age of the
   * oldest message this process holds, a lower bound, and null when it holds none.
   */
  async stats(topic: string, group: string): Promise<QueueStats> {
    const url =
      (await this.resources.knownGroup(topic, group))?.queueUrl ??
      (await queueUrlOrNull(this.sqs, groupQueueNames(topic, group).queue));
    if (!url) return { depth: 0, oldestAgeMs: null };
    const depth = await queueDepth(this.sqs, url);
    let oldest: number | null = null;
    for (const consumer of this.consumers) {
      if (consumer.topic !== topic || consumer.group !== group) continue;
      for (const d of consumer.held) oldest = Math.min(oldest ?? d.sentAt, d.sentAt);
    }
    return { depth, oldestAgeMs: depth === 0 || oldest === null ? null : Math.max(0, Date.now() - oldest) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closing.abort();
    await Promise.all([...this.consumers].map((c) => c.stop()));
    // Acks, retries and dead letters already asked for go out before the clients do.
    await Promise.all([...this.ops.values(), ...this.publishers.values()].map((o) => o.drain()));
    this.sqs.destroy();
    this.sns.destroy();
  }
}

export const sqsBackend: QueueBackendFactory = {
  ...sqsInfo,
  fromEnv: (env) => SqsQueue.fromEnv(env),
};
