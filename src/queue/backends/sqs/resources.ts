import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  type SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type QueueAttributeName,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { awsErrorName } from "../../../config/aws.js";
import { SlacklineError } from "../../../errors.js";
import type { SqsOptions } from "./config.js";
import { ResourceMissingError } from "./errors.js";
import { groupQueueNames, snsTopicName } from "./names.js";

/** What a consumer group needs: its queue and dead-letter queue. */
export interface GroupQueues {
  group: string;
  queueName: string;
  queueUrl: string;
  queueArn: string;
  dlqName: string;
  dlqUrl: string;
}

const isQueueMissing = (err: unknown): boolean => {
  const name = awsErrorName(err);
  return name === "QueueDoesNotExist" || name === "AWS.SimpleQueueService.NonExistentQueue";
};

/**
 * Finds (or, with SLACKLINE_CREATE_RESOURCES=1, creates) the SNS topic of a Slackline topic and each
 * group's queues, once per process: cached promises, forgotten when they fail so the next call tries
 * again. Without creation a missing resource is a ResourceMissingError naming it.
 */
export class SqsResources {
  private readonly topics = new Map<string, Promise<string>>();
  private readonly groups = new Map<string, Promise<GroupQueues>>();
  /** Every queue URL this process created (tests delete them). */
  readonly createdQueues = new Set<string>();
  readonly createdTopics = new Set<string>();

  constructor(
    private readonly sqs: SQSClient,
    private readonly sns: SNSClient,
    private readonly options: SqsOptions,
  ) {}

  /** The ARN of a topic's SNS topic. */
  topicArn(topic: string): Promise<string> {
    return this.once(this.topics, topic, () => this.findOrCreateTopic(topic));
  }

  /** A group's queues, subscribed to the topic (raw delivery) and with their redrive policy. */
  group(topic: string, group: string): Promise<GroupQueues> {
    return this.once(this.groups, `${topic}\u0000${group}`, () => this.findOrCreateGroup(topic, group));
  }

  /** The group's queues when they are known here already, without asking SQS. */
  async knownGroup(topic: string, group: string): Promise<GroupQueues | null> {
    const p = this.groups.get(`${topic}\u0000${group}`);
    return p ? p.catch(() => null) : null;
  }

  /** Forget what this process believes of a topic (a publish found it gone). */
  forget(topic: string): void {
    this.topics.delete(topic);
    for (const key of [...this.groups.keys()]) if (key.startsWith(`${topic}\u0000`)) this.groups.delete(key);
  }

  private async findOrCreateTopic(topic: string): Promise<string> {
    const name = snsTopicName(topic);
    if (this.options.createResources) {
      const { TopicArn } = await this.sns.send(new CreateTopicCommand({ Name: name }));
      if (!TopicArn)
        throw new SlacklineError("SLACKLINE_BACKEND_NO_REPLY", `CreateTopic ${name} answered no TopicArn`);
      this.createdTopics.add(TopicArn);
      return TopicArn;
    }
    if (topic === this.options.topic && this.options.topicArn) return this.options.topicArn;
    // SNS looks topics up by ARN only; SNS_TOPIC_ARN spares this scan (and its sns:ListTopics).
    let NextToken: string | undefined;
    do {
      const page = await this.sns.send(new ListTopicsCommand(NextToken ? { NextToken } : {}));
      const found = page.Topics?.find((t) => t.TopicArn?.endsWith(`:${name}`));
      if (found?.TopicArn) return found.TopicArn;
      NextToken = page.NextToken;
    } while (NextToken);
    throw new ResourceMissingError(`SNS topic "${name}" (of SLACK_EVENTS_TOPIC "${topic}") does not exist`);
  }

  private async findOrCreateGroup(topic: string, group: string): Promise<GroupQueues> {
    const names = groupQueueNames(topic, group);
    const topicArn = await this.topicArn(topic);
    const create = this.options.createResources;
    const dlqUrl = create
      ? await this.ensureQueue(names.dlq, {
          MessageRetentionPeriod: String(this.options.retentionSeconds),
        })
      : await this.existingQueue(names.dlq, `dead-letter queue of group "${group}"`);
    const dlqArn = await this.queueArn(dlqUrl);
    const queueUrl = create
      ? await this.ensureQueue(names.queue, {
          MessageRetentionPeriod: String(this.options.retentionSeconds),
          VisibilityTimeout: "30",
          ReceiveMessageWaitTimeSeconds: String(this.options.waitTimeSeconds),
          // A message received this many times without being settled goes to the DLQ by SQS itself
          // (a worker that crashes on it every time); the worker dead-letters failures at the same count.
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqArn,
            maxReceiveCount: this.options.maxAttempts,
          }),
          // SNS may deliver to the queue only from this topic.
          Policy: JSON.stringify(snsSendPolicy(arnWithName(dlqArn, names.queue), topicArn)),
        })
      : await this.existingQueue(names.queue, `queue of group "${group}"`);
    const queueArn = await this.queueArn(queueUrl);
    if (create) await this.subscribe(topicArn, queueArn);
    else await this.requireSubscription(topicArn, queueArn, names.queue);
    return { group, queueName: names.queue, queueUrl, queueArn, dlqName: names.dlq, dlqUrl };
  }

  private async existingQueue(name: string, what: string): Promise<string> {
    try {
      const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
      if (QueueUrl) return QueueUrl;
    } catch (err) {
      if (!isQueueMissing(err)) throw err;
      throw new ResourceMissingError(`SQS queue "${name}" (the ${what}) does not exist`, { cause: err });
    }
    throw new ResourceMissingError(`SQS queue "${name}" (the ${what}) does not exist`);
  }

  /** The queue as it is when it exists (never changed here), else created with these attributes. */
  private async ensureQueue(name: string, attributes: Partial<Record<QueueAttributeName, string>>) {
    try {
      const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
      if (QueueUrl) return QueueUrl;
    } catch (err) {
      if (!isQueueMissing(err)) throw err;
    }
    try {
      const { QueueUrl } = await this.sqs.send(
        new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
      );
      if (!QueueUrl)
        throw new SlacklineError("SLACKLINE_BACKEND_NO_REPLY", `CreateQueue ${name} answered no QueueUrl`);
      this.createdQueues.add(QueueUrl);
      return QueueUrl;
    } catch (err) {
      // Another process created it meanwhile with other attributes (another MAX_ATTEMPTS): use it.
      if (awsErrorName(err) !== "QueueNameExists" && awsErrorName(err) !== "QueueAlreadyExists") throw err;
      const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
      if (!QueueUrl) throw err;
      return QueueUrl;
    }
  }

  private async queueArn(queueUrl: string): Promise<string> {
    const { Attributes } = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
    );
    const arn = Attributes?.QueueArn;
    if (!arn)
      throw new SlacklineError(
        "SLACKLINE_BACKEND_NO_REPLY",
        `GetQueueAttributes of ${queueUrl} answered no QueueArn`,
      );
    return arn;
  }

  private async subscribe(topicArn: string, queueArn: string): Promise<void> {
    try {
      await this.sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: "sqs",
          Endpoint: queueArn,
          // The queue gets the published message itself, not SNS's JSON notification around it.
          Attributes: { RawMessageDelivery: "true" },
          ReturnSubscriptionArn: true,
        }),
      );
    } catch (err) {
      // Subscribed already, with other attributes: someone set it up by hand. A non-raw
      // subscription still works (the consumer unwraps SNS's notification), so leave it be.
      if (!/already exists/i.test((err as Error).message ?? "")) throw err;
    }
  }

  private async requireSubscription(topicArn: string, queueArn: string, queueName: string): Promise<void> {
    let NextToken: string | undefined;
    do {
      const page = await this.sns.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, ...(NextToken ? { NextToken } : {}) }),
      );
      if (page.Subscriptions?.some((s) => s.Protocol === "sqs" && s.Endpoint === queueArn)) return;
      NextToken = page.NextToken;
    } while (NextToken);
    throw new ResourceMissingError(
      `SQS queue "${queueName}" is not subscribed to SNS topic ${topicArn} (subscribe it with RawMessageDelivery=true)`,
    );
  }

  private once<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
    let p = cache.get(key);
    if (!p) {
      p = make();
      cache.set(key, p);
      p.catch(() => {
        if (cache.get(key) === p) cache.delete(key);
      });
    }
    return p;
  }
}

/** The ARN of a resource beside `arn` (same partition, region and account) named `name`. */
const arnWithName = (arn: string, name: string): string => `${arn.slice(0, arn.lastIndexOf(":") + 1)}${name}`;

/** The queue policy that lets one SNS topic send to the queue (SNS needs it to deliver at all). */
function snsSendPolicy(queueArn: string, topicArn: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "slackline-sns-delivery",
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": topicArn } },
      },
    ],
  };
}
