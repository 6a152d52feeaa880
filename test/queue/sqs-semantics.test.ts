import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { hasCode } from "../../src/errors.js";
import { SqsQueue } from "../../src/queue/backends/sqs.js";
import { resolveBackend } from "../../src/queue/registry.js";
import { DeliveryCollector } from "../../src/testing/collector.js";
import { sampleEnvelope, uniqueTopic } from "../../src/testing/envelopes.js";
import { type AwsEmulators, startAwsEmulators } from "../helpers/aws.js";
import { ROOT } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";

let aws: AwsEmulators;
let sqs: SQSClient;
let sns: SNSClient;
const opened: SqsQueue[] = [];
const collectors: DeliveryCollector[] = [];

const open = (extra: Record<string, string> = {}) => {
  const q = SqsQueue.fromEnv({
    ...aws.env,
    SLACKLINE_GROUPS: "g",
    SLACKLINE_CREATE_RESOURCES: "1",
    ...extra,
  });
  opened.push(q);
  return q;
};
const collect = (q: SqsQueue, topic: string, group = "g", leaseMs = 1000) => {
  const c = new DeliveryCollector(q, topic, { group, leaseMs });
  collectors.push(c);
  return c;
};
const queueUrl = async (name: string) =>
  (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
const attributesOf = async (name: string) =>
  (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: await queueUrl(name), AttributeNames: ["All"] })))
    .Attributes!;

type Next = (args: unknown) => Promise<unknown>;
interface Stack {
  add(middleware: (next: Next, context: { commandName?: string }) => Next, options: object): void;
}

/** Counts the commands a client sends, by name (an SDK middleware: every call passes through it). */
function countCommands(client: SQSClient | SNSClient): Map<string, number> {
  const counts = new Map<string, number>();
  (client.middlewareStack as unknown as Stack).add(
    (next, context) => (args) => {
      counts.set(context.commandName!, (counts.get(context.commandName!) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: "countCommands" },
  );
  return counts;
}

/** The first non-empty dead-letter listing, waiting for it. */
async function deadLettersOf(q: SqsQueue, topic: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await q.listDeadLetters(topic);
    if (list.length > 0 || Date.now() > deadline) return list;
  }
}

describe("sqs backend semantics (fauxqs)", () => {
  beforeAll(async () => {
    aws = await startAwsEmulators();
    const config = {
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      endpoint: aws.sqsUrl,
    };
    sqs = new SQSClient(config);
    sns = new SNSClient(config);
  });
  afterEach(async () => {
    await Promise.all(collectors.splice(0).map((c) => c.stop()));
    await Promise.all(opened.splice(0).map((q) => q.close()));
  });
  afterAll(async () => {
    sqs?.destroy();
    sns?.destroy();
    await aws?.stop();
  });

  it("loads no AWS SDK module until QUEUE_BACKEND=sqs (or DEDUP_STORE=dynamodb) is chosen", async () => {
    // The SDK's packages are CommonJS: what a process loaded of them is in require.cache.
    const script = `
      import { createRequire } from "node:module";
      const require = createRequire(import.meta.url);
      const aws = () => Object.keys(require.cache).filter((k) => k.includes("@aws-sdk")).length;
      const { resolveBackend, availableBackends } = await import("./dist/queue/registry.js");
      const { resolveDedupStore } = await import("./dist/dedup/registry.js");
      availableBackends();
      await resolveBackend({ QUEUE_BACKEND: "memory" });
      await (await resolveDedupStore({ DEDUP_STORE: "memory" }, "memory")).close();
      const before = aws();
      await resolveBackend({ QUEUE_BACKEND: "sqs" });
      console.log(JSON.stringify({ before, after: aws() }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      cwd: ROOT,
    });
    const counts = JSON.parse(stdout) as { before: number; after: number };
    expect(counts.before).toBe(0);
    expect(counts.after).toBeGreaterThan(0);
  });

  it("the AWS SDK itself reads AWS_ENDPOINT_URL_SQS from the environment (no endpoint passed)", async () => {
    const script = `
      import { SQSClient, CreateQueueCommand } from "@aws-sdk/client-sqs";
      const client = new SQSClient({});
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: "sdk_env_probe" }));
      console.log(QueueUrl);`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      cwd: ROOT,
      env: { ...process.env, ...aws.env, AWS_ENDPOINT_URL_SNS: "", AWS_ENDPOINT_URL_DYNAMODB: "" },
    });
    expect(stdout).toContain("/sdk_env_probe");
    expect(await queueUrl("sdk_env_probe")).toBe(stdout.trim());
  });

  it("is the built-in `sqs`, with DynamoDB as its default dedup store", async () => {
    const resolved = await resolveBackend({ QUEUE_BACKEND: "sqs" });
    expect(resolved.source).toBe("built-in");
    expect(resolved.factory.defaultDedupStore?.({})).toBe("dynamodb");
  });

  it("creates the SNS topic, a queue and DLQ per group with the redrive policy, and a raw subscription", async () => {
    const q = open({ MAX_ATTEMPTS: "4", SLACKLINE_GROUPS: "g,other" });
    const topic = uniqueTopic();
    await q.publish(topic, sampleEnvelope());
    for (const group of ["g", "other"]) {
      const attributes = await attributesOf(`${topic}-${group}`);
      const dlq = await attributesOf(`${topic}-${group}-dlq`);
      expect(JSON.parse(attributes.RedrivePolicy!)).toEqual({
        deadLetterTargetArn: dlq.QueueArn,
        maxReceiveCount: 4,
      });
      expect(attributes.MessageRetentionPeriod).toBe("1209600");
      expect(JSON.parse(attributes.Policy!).Statement[0].Condition.ArnEquals["aws:SourceArn"]).toMatch(
        new RegExp(`:${topic}$`),
      );
    }
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: topic }))).TopicArn!;
    const { Subscriptions } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    expect(Subscriptions).toHaveLength(2);
    for (const s of Subscriptions!) {
      const { Attributes } = await sns.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: s.SubscriptionArn! }),
      );
      expect(Attributes?.RawMessageDelivery).toBe("true");
    }
    // Both groups got the message.
    expect(Number((await attributesOf(`${topic}-other`)).ApproximateNumberOfMessages)).toBe(1);
  });

  it("without SLACKLINE_CREATE_RESOURCES a missing topic, queue or subscription is an error naming it", async () => {
    const topic = uniqueTopic();
    const q = open({ SLACKLINE_CREATE_RESOURCES: "", SLACK_EVENTS_TOPIC: topic, SLACKLINE_GROUPS: "g" });
    const failure = async () =>
      q.ping().then(
        () => null,
        (err: Error) => err,
      );
    let err = await failure();
    expect(hasCode(err, "SLACKLINE_RESOURCE_MISSING")).toBe(true);
    expect(err?.message).toContain(`SNS topic "${topic}"`);
    expect(err?.message).toContain("SLACKLINE_CREATE_RESOURCES=1");
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topic }));
    err = await failure();
    expect(err?.message).toContain(`SQS queue "${topic}-g-dlq"`);
    await sqs.send(new CreateQueueCommand({ QueueName: `${topic}-g-dlq` }));
    err = await failure();
    expect(err?.message).toContain(`SQS queue "${topic}-g"`);
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: `${topic}-g` }))).QueueUrl!;
    err = await failure();
    expect(err?.message).toMatch(new RegExp(`"${topic}-g" is not subscribed`));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
    );
    // A subscription made without raw delivery: the consumer unwraps SNS's notification.
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: Attributes!.QueueArn! }));
    await q.ping();
    const envelope = sampleEnvelope();
    await q.publish(topic, envelope);
    const d = await collect(q, topic).next(5000);
    expect(d.message).toEqual(envelope);
    await d.ack();
    // A group nobody made: its consume loop ends with the error, naming the queue.
    const missing = collect(q, topic, "nobody");
    await missing.done;
    expect(String(missing.error)).toContain(`SQS queue "${topic}-nobody-dlq"`);
  });

  it("SNS_TOPIC_ARN spares the topic lookup: publish needs sns:Publish only", async () => {
    const topic = uniqueTopic();
    const creator = open({ SLACKLINE_GROUPS: "g" });
    await creator.publish(topic, sampleEnvelope());
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topic }));
    const q = open({ SLACKLINE_CREATE_RESOURCES: "", SLACK_EVENTS_TOPIC: topic, SNS_TOPIC_ARN: TopicArn! });
    const snsCalls = countCommands(q.sns);
    const sqsCalls = countCommands(q.sqs);
    await q.publish(topic, sampleEnvelope());
    expect(Object.fromEntries(snsCalls)).toEqual({ PublishBatchCommand: 1 });
    expect(sqsCalls.size).toBe(0);
  });

  it("publishes, acks and extends of one turn go out as batches of up to 10", async () => {
    const q = open();
    const topic = uniqueTopic();
    await q.publish(topic, sampleEnvelope()); // creates the resources
    const snsCalls = countCommands(q.sns);
    const sqsCalls = countCommands(q.sqs);
    await Promise.all(Array.from({ length: 25 }, () => q.publish(topic, sampleEnvelope())));
    expect(snsCalls.get("PublishBatchCommand")).toBe(3);
    // The collector's consumer holds at most 16 (the default prefetch).
    const c = collect(q, topic, "g", 30_000);
    const got = await c.take(16, 10_000);
    await Promise.all(got.map((d) => d.extend()));
    expect(sqsCalls.get("ChangeMessageVisibilityBatchCommand")).toBe(2);
    await Promise.all(got.map((d) => d.ack()));
    expect(sqsCalls.get("DeleteMessageBatchCommand")).toBe(2);
    for (const d of await c.take(10, 10_000)) await d.ack();
    expect(sqsCalls.get("DeleteMessageCommand")).toBeUndefined();
    await until(async () => (await q.stats(topic, "g")).depth === 0);
  });

  it("a message over SNS's 256 KiB is refused before anything is sent", async () => {
    const q = open();
    const topic = uniqueTopic();
    await q.publish(topic, sampleEnvelope());
    const calls = countCommands(q.sns);
    const big = sampleEnvelope({ body: { text: "x".repeat(300 * 1024) } });
    const err = await q.publish(topic, big).then(
      () => null,
      (e: unknown) => e,
    );
    expect(hasCode(err, "SLACKLINE_MESSAGE_TOO_LARGE")).toBe(true);
    expect(calls.size).toBe(0);
  });

  it("a retry longer than SQS's 12 h cap is clamped, not refused", async () => {
    const q = open();
    const topic = uniqueTopic();
    await q.publish(topic, sampleEnvelope());
    const c = collect(q, topic);
    const d = await c.next(5000);
    await d.retry(13 * 3600 * 1000);
    const a = await attributesOf(`${topic}-g`);
    expect(a.ApproximateNumberOfMessagesNotVisible).toBe("1");
    expect(await c.poll(1500)).toBeNull();
  });

  it("a message received MAX_ATTEMPTS times without a settle is moved by SQS and listed as such", async () => {
    const q = open({ MAX_ATTEMPTS: "1" });
    const topic = uniqueTopic();
    const envelope = sampleEnvelope();
    await q.publish(topic, envelope);
    // Received once and never settled, as by a worker that hangs or dies on it.
    const hung = new DeliveryCollector(q, topic, { group: "g", leaseMs: 1000, max: 1 });
    collectors.push(hung);
    await hung.next(5000);
    // The next receive after its visibility timeout finds it over maxReceiveCount: SQS moves it.
    const other = collect(q, topic);
    const dead = await deadLettersOf(q, topic);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ topic, group: "g", attempts: 1, message: envelope });
    expect(dead[0]!.reason).toContain("SQS moved it");
    expect(await q.replayDeadLetters(topic)).toBe(1);
    const back = await other.next(5000);
    expect(back.message).toEqual(envelope);
    expect(back.attempt).toBe(1);
    await back.ack();
  });

  it("a body that is not JSON goes straight to the DLQ", async () => {
    const q = open();
    const topic = uniqueTopic();
    await q.publish(topic, sampleEnvelope());
    const url = await queueUrl(`${topic}-g`);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "not json" }));
    const c = collect(q, topic);
    const good = await c.next(5000);
    await good.ack();
    const dead = await deadLettersOf(q, topic);
    expect(dead[0]).toMatchObject({ group: "g", reason: "malformed message: not JSON" });
    expect(dead[0]!.message as unknown).toBe("not json");
  });

  it("stats: depth from SQS's counts; the oldest age only of what this process holds, else null", async () => {
    const q = open();
    const topic = uniqueTopic();
    for (let i = 0; i < 3; i++) await q.publish(topic, sampleEnvelope());
    expect(await q.stats(topic, "g")).toEqual({ depth: 3, oldestAgeMs: null });
    const c = collect(q, topic);
    const d = await c.next(5000);
    const held = await q.stats(topic, "g");
    expect(held.depth).toBe(3);
    expect(held.oldestAgeMs).toBeGreaterThanOrEqual(0);
    await d.ack();
    expect(await q.stats(uniqueTopic(), "g")).toEqual({ depth: 0, oldestAgeMs: null });
  });
});
