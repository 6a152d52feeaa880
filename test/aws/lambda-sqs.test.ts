import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaIngress } from "../../src/aws/lambda-ingress.js";
import { signSlackRequest } from "../../src/ingress/signature.js";
import { SqsQueue } from "../../src/queue/backends/sqs.js";
import { DeliveryCollector } from "../../src/testing/collector.js";
import { uniqueTopic } from "../../src/testing/envelopes.js";
import { slackLambdaEvent } from "../../src/testing/lambda-events.js";
import { type AwsEmulators, startAwsEmulators } from "../helpers/aws.js";
import { type Running, spawnSlackline, tempDir } from "../helpers/cli.js";
import { eventCallback } from "../helpers/ingress.js";

// The serverless ingress on its real backend (SNS + SQS on fauxqs, dedup in dynalite), beside an
// HTTP gateway on the same resources: Slack's retries are dropped whichever transport carries them.
const SECRET = "lambda-sqs-secret";
let aws: AwsEmulators;
let env: Record<string, string>;
let gateway: Running;
let gatewayUrl: string;
let queue: SqsQueue;
let collector: DeliveryCollector;

beforeAll(async () => {
  aws = await startAwsEmulators();
  const topic = uniqueTopic("lambda");
  env = {
    ...aws.env,
    SLACK_SIGNING_SECRET: SECRET,
    QUEUE_BACKEND: "sqs",
    SLACK_EVENTS_TOPIC: topic,
    SLACKLINE_GROUPS: "default",
    SLACKLINE_CREATE_RESOURCES: "1",
    DYNAMODB_TABLE: `dedup_${topic}`,
    LOG_LEVEL: "silent",
    SLACKLINE_DATA_DIR: tempDir(),
  };
  queue = await SqsQueue.fromEnv(env);
  await queue.ping();
  gateway = spawnSlackline(["gateway"], { ...env, PORT: "0", LOG_LEVEL: "info" });
  gatewayUrl = await gateway.url;
  collector = new DeliveryCollector(queue, env.SLACK_EVENTS_TOPIC!, { group: "default", leaseMs: 5000 });
}, 60_000);
afterAll(async () => {
  await collector?.stop();
  await gateway?.kill();
  await queue?.close();
  await aws?.stop();
});

const functionUrlEvent = (body: string, retryNum?: number) => slackLambdaEvent(SECRET, body, { retryNum });

describe("lambdaIngress on sqs + dynamodb", () => {
  it("publishes through SNS to the group's queue; a retry through the HTTP gateway is a duplicate", async () => {
    const handler = lambdaIngress({ env });
    const body = eventCallback({ text: "über" }, `EvXT${Date.now()}`);
    const first = await handler(functionUrlEvent(body));
    expect(first.statusCode).toBe(200);
    const { timestamp, signature } = signSlackRequest(SECRET, body);
    const retry = await fetch(`${gatewayUrl}/slack/events`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature,
        "x-slack-retry-num": "1",
      },
      body,
    });
    expect(retry.status).toBe(200);
    const third = await handler(functionUrlEvent(body, 2));
    expect(third.statusCode).toBe(200);
    const delivery = await collector.next(10_000);
    expect((delivery.message.body as { event: { text: string } }).event.text).toBe("über");
    await delivery.ack();
    expect(await collector.poll(2500)).toBeNull();
  });
});
