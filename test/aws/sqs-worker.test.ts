import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqsEvent, SqsRecord } from "../../src/aws/sqs-records.js";
import { sqsWorker } from "../../src/aws/sqs-worker.js";
import { UnrecoverableError } from "../../src/errors.js";
import { Router } from "../../src/handlers/router.js";
import { groupQueueNames } from "../../src/queue/backends/sqs/names.js";
import { SqsQueue } from "../../src/queue/backends/sqs.js";
import { sampleEnvelope, uniqueTopic } from "../../src/testing/envelopes.js";
import { type AwsEmulators, startAwsEmulators } from "../helpers/aws.js";
import { until } from "../helpers/wait.js";

// sqsWorker() as Lambda's SQS event source calls it: records received from the group's queue on
// fauxqs, processed-markers in dynalite, and what Lambda does with the answer (delete the successes).
let aws: AwsEmulators;
let sqs: SQSClient;

beforeAll(async () => {
  aws = await startAwsEmulators();
  sqs = new SQSClient({
    region: "us-east-1",
    endpoint: aws.sqsUrl,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
});
afterAll(async () => {
  sqs?.destroy();
  await aws?.stop();
});

interface Setup {
  queue: SqsQueue;
  topic: string;
  url: string;
  arn: string;
  env: Record<string, string>;
}

async function setup(): Promise<Setup> {
  const topic = uniqueTopic("lambda");
  const env = {
    ...aws.env,
    SLACK_EVENTS_TOPIC: topic,
    SLACKLINE_GROUPS: "default",
    SLACKLINE_CREATE_RESOURCES: "1",
    DYNAMODB_TABLE: `dedup_${topic}`,
    RETRY_BASE_MS: "1000",
    RETRY_CAP_MS: "1000",
    MAX_ATTEMPTS: "3",
    LOG_LEVEL: "silent",
  };
  const queue = await SqsQueue.fromEnv(env);
  await queue.ping();
  const { queue: name } = groupQueueNames(topic, "default");
  const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
  );
  return { queue, topic, url, arn: attrs.Attributes!.QueueArn!, env };
}

/** Receives what the queue has, as Lambda's event source mapping would hand it over. */
async function lambdaBatch(s: Setup, max = 10, waitMs = 3000): Promise<SqsEvent> {
  const records: SqsRecord[] = [];
  const deadline = Date.now() + waitMs;
  while (records.length < max && Date.now() < deadline) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: s.url,
        MaxNumberOfMessages: Math.min(10, max - records.length),
        WaitTimeSeconds: 1,
        VisibilityTimeout: 30,
        MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
        MessageAttributeNames: ["All"],
      }),
    );
    for (const m of out.Messages ?? []) {
      records.push({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body!,
        attributes: {
          ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount,
          SentTimestamp: m.Attributes?.SentTimestamp,
        },
        messageAttributes: Object.fromEntries(
          Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
            k,
            { stringValue: v.StringValue, dataType: v.DataType! },
          ]),
        ),
        eventSourceARN: s.arn,
      });
    }
  }
  return { Records: records };
}

/** What Lambda does after the handler answers: deletes every record not reported failed. */
async function deleteSuccesses(s: Setup, event: SqsEvent, failed: string[]) {
  for (const r of event.Records) {
    if (!failed.includes(r.messageId))
      await sqs.send(new DeleteMessageCommand({ QueueUrl: s.url, ReceiptHandle: r.receiptHandle }));
  }
}

describe("sqsWorker", () => {
  it("reports only the failed records; the retry runs only the handler that failed", async () => {
    const s = await setup();
    const runs: string[] = [];
    let failOnce = true;
    const router = new Router()
      .on("app_mention", (_event, ctx) => void runs.push(`first ${ctx.envelope.id} ${ctx.attempt}`), {
        id: "first",
      })
      .on(
        "app_mention",
        (_event, ctx) => {
          if (ctx.envelope.id === "EvFAILS" && failOnce) {
            failOnce = false;
            throw new Error("downstream hiccup");
          }
          runs.push(`second ${ctx.envelope.id}`);
        },
        { id: "second" },
      );
    const handler = sqsWorker({ handlers: router, env: s.env });
    for (const id of ["EvOK1", "EvFAILS", "EvOK2"]) await s.queue.publish(s.topic, sampleEnvelope({ id }));
    const first = await lambdaBatch(s, 3);
    expect(first.Records).toHaveLength(3);
    const answer = await handler(first);
    const failedIds = answer.batchItemFailures.map((f) => f.itemIdentifier);
    const failing = first.Records.find((r) => JSON.parse(r.body).id === "EvFAILS")!;
    expect(failedIds).toEqual([failing.messageId]);
    await deleteSuccesses(s, first, failedIds);
    // The retry's visibility is the backoff (1 s here), not the 30 s the batch was received with.
    const again = await lambdaBatch(s, 1, 8000);
    expect(again.Records).toHaveLength(1);
    expect(again.Records[0]!.attributes.ApproximateReceiveCount).toBe("2");
    expect((await handler(again)).batchItemFailures).toEqual([]);
    expect(runs.filter((r) => r.includes("EvFAILS"))).toEqual(["first EvFAILS 1", "second EvFAILS"]);
    await s.queue.close();
  });

  it("UnrecoverableError and a malformed body go to the group's DLQ, and count as done", async () => {
    const s = await setup();
    const router = new Router().on("app_mention", () => {
      throw new UnrecoverableError("bad request from a user");
    });
    const handler = sqsWorker({ handlers: router, env: s.env });
    await s.queue.publish(s.topic, sampleEnvelope({ id: "EvPOISON" }));
    const batch = await lambdaBatch(s, 1);
    const broken: SqsRecord = {
      ...batch.Records[0]!,
      messageId: "not-json",
      body: "{{{",
      receiptHandle: batch.Records[0]!.receiptHandle,
    };
    const answer = await handler({ Records: [batch.Records[0]!, broken] });
    expect(answer.batchItemFailures).toEqual([]);
    await until(async () => (await s.queue.listDeadLetters(s.topic)).length === 2, 10_000);
    const reasons = (await s.queue.listDeadLetters(s.topic)).map((d) => d.reason).sort();
    expect(reasons[0]).toContain("malformed message");
    expect(reasons[1]).toContain("unrecoverable: app_mention: UnrecoverableError: bad request from a user");
    await s.queue.close();
  });

  it("a record received again after it succeeded runs nothing (its processed-markers)", async () => {
    const s = await setup();
    let runs = 0;
    const handler = sqsWorker({ handlers: (r: Router) => r.appMention(() => void runs++), env: s.env });
    const envelope = sampleEnvelope({ id: "EvTWICE" });
    await s.queue.publish(s.topic, envelope);
    await s.queue.publish(s.topic, envelope);
    const batch = await lambdaBatch(s, 2);
    expect((await handler({ Records: [batch.Records[0]!] })).batchItemFailures).toEqual([]);
    expect((await handler({ Records: [batch.Records[1]!] })).batchItemFailures).toEqual([]);
    expect(runs).toBe(1);
    await s.queue.close();
  });
});
