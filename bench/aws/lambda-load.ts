import { spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { CreateTopicCommand, PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type * as SlacklineAws from "../../src/aws/index.js";
import type { ApiGatewayV2Event } from "../../src/aws/index.js";
import { awsClientSettings } from "../../src/config/aws.js";
import { slackLambdaEvent } from "../../src/testing/lambda-events.js";
import { collectGarbage } from "../../test/helpers/gc.js";
import { makeEvents } from "../lib/load.js";
import { cpuSeconds } from "../lib/proc-stats.js";
import { type Child, ROOT } from "../lib/processes.js";
import { envelopePayloads } from "../raw/payloads.js";
import { latencyRecorder } from "../raw/types.js";

// The SDK's once-per-process warning that its 2027 releases need Node 22 (docs/aws.md) is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** `slackline/aws` as users import it: the built package. */
export const importSlacklineAws = (): Promise<typeof SlacklineAws> =>
  import(pathToFileURL(join(ROOT, "dist/aws/index.js")).href);

export interface EmulatorProcess extends Child {
  /** The endpoints' environment (region, credentials, AWS_ENDPOINT_URL_*). */
  env: Record<string, string>;
}

/** bench/aws/emulator-process.ts: fauxqs and dynalite in a child process, ready once it printed its env. */
export function startEmulatorProcess(): Promise<EmulatorProcess> {
  const proc = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench/aws/emulator-process.ts")], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    proc.on("exit", (code) => reject(new Error(`the emulator process exited (${code}):\n${out}`)));
    proc.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (!line || !out.includes("\n")) return;
      proc.stdout.resume();
      resolve({
        pid: proc.pid!,
        env: JSON.parse(line) as Record<string, string>,
        stop: () =>
          new Promise((res) => {
            if (proc.exitCode !== null) return res();
            proc.removeAllListeners("exit");
            proc.on("exit", () => res());
            proc.kill("SIGTERM");
          }),
      });
    });
  });
}

/** `count` unique Events API requests as Function URL events, made and signed before any clock starts. */
export const signedEvents = (secret: string, count: number): ApiGatewayV2Event[] =>
  makeEvents(count).map((body) => slackLambdaEvent(secret, body, { base64: false }));

/** One execution environment of the pool: handles the i-th item, true when it was answered 2xx. */
export type Invoke = (i: number) => Promise<boolean>;

export interface PoolResult {
  invocationsPerSecond: number;
  p50: number;
  p99: number;
  /** Non-2xx answers and rejections. */
  failures: number;
  /** This process's CPU (the handlers, or the raw loop) per invocation. */
  cpuMicros: number;
  /** The emulator process's CPU per invocation. */
  emulatorCpuMicros: number;
}

/**
 * Items `from` to `to` (exclusive) over the pool, each of its environments running one invocation at
 * a time (as Lambda runs one per execution environment), so `pool.length` are in flight.
 */
export async function drivePool(
  pool: readonly Invoke[],
  from: number,
  to: number,
  emulatorPid: number,
): Promise<PoolResult> {
  const count = to - from;
  const latencies = latencyRecorder(count);
  let next = from;
  let failures = 0;
  collectGarbage();
  const emulatorBefore = cpuSeconds(emulatorPid) ?? Number.NaN;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    pool.map(async (invoke) => {
      while (next < to) {
        const i = next++;
        const sentAt = performance.now();
        const ok = await invoke(i).catch(() => false);
        latencies.add(performance.now() - sentAt);
        if (!ok) failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const emulatorCpu = (cpuSeconds(emulatorPid) ?? Number.NaN) - emulatorBefore;
  return {
    invocationsPerSecond: (count - failures) / seconds,
    ...latencies.quantiles(),
    failures,
    cpuMicros: (cpu.user + cpu.system) / count,
    emulatorCpuMicros: (emulatorCpu * 1e6) / count,
  };
}

/** A warm pool of `size` Slackline execution environments: one `lambdaIngress()` each, with its own clients. */
export function lambdaPool(
  aws: typeof SlacklineAws,
  env: Record<string, string>,
  size: number,
  events: readonly ApiGatewayV2Event[],
): Invoke[] {
  return Array.from({ length: size }, () => {
    const handler = aws.lambdaIngress({ env });
    return async (i) => {
      const { statusCode } = await handler(events[i]!);
      return statusCode >= 200 && statusCode < 300;
    };
  });
}

export interface RawTarget {
  env: Record<string, string>;
  table: string;
  topicArn: string;
  /** Also write the `done` item after the publish, as Slackline's confirm does. */
  confirm: boolean;
}

/**
 * The baseline, one environment of it: per event what the minimum durable path needs, the
 * conditional PutItem that claims the event id and an SNS Publish of its envelope, with clients of
 * its own (as each Lambda environment has).
 */
export function rawPool(target: RawTarget, size: number, count: number): Invoke[] {
  const payloads = envelopePayloads(count);
  return Array.from({ length: size }, () => {
    const dynamo = new DynamoDBClient(awsClientSettings(target.env, "DYNAMODB"));
    const sns = new SNSClient(awsClientSettings(target.env, "SNS"));
    const put = (id: string, state: string, condition: boolean) => {
      const now = Date.now();
      return dynamo.send(
        new PutItemCommand({
          TableName: target.table,
          Item: {
            pk: { S: id },
            state: { S: state },
            expires_at_ms: { N: String(now + 60_000) },
            ttl: { N: String(Math.ceil(now / 1000) + 60) },
          },
          ...(condition
            ? {
                ConditionExpression: "attribute_not_exists(pk) OR expires_at_ms <= :now",
                ExpressionAttributeValues: { ":now": { N: String(now) } },
              }
            : {}),
        }),
      );
    };
    return async (i) => {
      const { id, json } = payloads[i]!;
      await put(id, "pending", true);
      await sns.send(new PublishCommand({ TopicArn: target.topicArn, Message: json }));
      if (target.confirm) await put(id, "done", false);
      return true;
    };
  });
}

/** The topic's ARN (CreateTopic of an existing topic returns it). */
export async function topicArn(env: Record<string, string>, name: string): Promise<string> {
  const sns = new SNSClient(awsClientSettings(env, "SNS"));
  try {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
    return TopicArn!;
  } finally {
    sns.destroy();
  }
}

/** Reads the group queue: its message count, and a sample of its messages' envelope ids. */
export async function groupQueue(env: Record<string, string>, queueName: string) {
  const sqs = new SQSClient(awsClientSettings(env, "SQS"));
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
  const count = async () => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages);
  };
  return {
    /** The count once it reached `expected` or stopped moving (SNS's fan-out may lag its answer). */
    async settledCount(expected: number): Promise<number> {
      let last = -1;
      for (let tries = 0; tries < 50; tries++) {
        const n = await count();
        if (n >= expected || n === last) return n;
        last = n;
        await new Promise((r) => setTimeout(r, 100));
      }
      return last;
    },
    async sampleIds(max: number): Promise<string[]> {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: max }));
      return (Messages ?? []).map((m) => (JSON.parse(m.Body!) as { id: string }).id);
    },
    close: () => sqs.destroy(),
  };
}
