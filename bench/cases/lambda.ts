import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BARE_ENTRY, bundleEntry, printBundles, SLACKLINE_ENTRY } from "../aws/bundle.js";
import { coldStarts } from "../aws/cold-starts.js";
import {
  drivePool,
  type EmulatorProcess,
  groupQueue,
  type Invoke,
  importSlacklineAws,
  lambdaPool,
  type PoolResult,
  rawPool,
  signedEvents,
  startEmulatorProcess,
  topicArn,
} from "../aws/lambda-load.js";
import type { BenchCase, BenchContext } from "../case.js";
import { ROOT } from "../lib/processes.js";
import { fmt, load, median, printTable, range } from "../lib/stats.js";
import { SECRET } from "./ingress.js";

const GROUP = "bench";
const TABLE = "slackline-bench";
/** Warm-up invocations per environment of a pool before the clock starts (the first opens its clients). */
const WARMUP_PER_ENVIRONMENT = 20;

type Target = "lambda" | "raw" | "raw+confirm";
const TARGETS: readonly Target[] = ["lambda", "raw", "raw+confirm"];
const label: Record<Target, string> = {
  lambda: "lambdaIngress() (dist)",
  raw: "raw PutItem + Publish",
  "raw+confirm": "raw PutItem + Publish + PutItem",
};

interface Measured extends PoolResult {
  /** How many of the run's messages (warm-up included) reached the group's queue, and how many were sent. */
  queued: number;
  sent: number;
}

async function throughput(
  ctx: BenchContext,
  emulators: EmulatorProcess,
  env: Record<string, string>,
): Promise<void> {
  const aws = await importSlacklineAws();
  const events = ctx.number("lambda-events");
  const rounds = Math.max(1, ctx.number("lambda-rounds"));
  const concurrencies = String(ctx.values["lambda-concurrency"]).split(",").map(Number);
  const queue = await groupQueue(env, aws.groupQueueNames(env.SLACK_EVENTS_TOPIC!, GROUP).queue);
  const arn = env.SNS_TOPIC_ARN!;
  const runs = new Map<string, Measured[]>();
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const concurrency of concurrencies) {
        // Every other round in the opposite order, so the tables' growth and a slow spell hit all alike.
        const order = round % 2 ? TARGETS : [...TARGETS].reverse();
        for (const target of order) {
          const warmup = WARMUP_PER_ENVIRONMENT * concurrency;
          const total = warmup + events;
          let pool: Invoke[];
          if (target === "lambda") pool = lambdaPool(aws, env, concurrency, signedEvents(SECRET, total));
          else
            pool = rawPool(
              { env, table: TABLE, topicArn: arn, confirm: target !== "raw" },
              concurrency,
              total,
            );
          const before = await queue.settledCount(0);
          const warm = await drivePool(pool, 0, warmup, emulators.pid);
          const result = await drivePool(pool, warmup, total, emulators.pid);
          const sent = total - warm.failures - result.failures;
          const queued = (await queue.settledCount(before + sent)) - before;
          const key = `${target}@${concurrency}`;
          runs.set(key, [...(runs.get(key) ?? []), { ...result, queued, sent }]);
          console.log(
            `  round ${round} ${label[target].padEnd(32)} ${String(concurrency).padStart(2)} in flight ${fmt(result.invocationsPerSecond)} invocations/s`,
          );
        }
      }
    }
    const ids = await queue.sampleIds(10);
    console.log(
      `  (a sample of ${ids.length} messages received from the group's queue: ${ids.slice(0, 3).join(", ")}, ...)`,
    );
  } finally {
    queue.close();
  }

  const rows = [...runs].map(([key, results]) => {
    const [target, concurrency] = key.split("@") as [Target, string];
    const rates = results.map((r) => r.invocationsPerSecond);
    const baseline = median(runs.get(`raw@${concurrency}`)!.map((r) => r.invocationsPerSecond));
    const m = (f: (r: Measured) => number) => median(results.map(f));
    const cell = (f: (r: Measured) => number, digits: number) => fmt(m(f), digits, 0);
    return [
      label[target],
      concurrency,
      cell((r) => r.invocationsPerSecond, 0),
      cell((r) => r.p50, 2),
      cell((r) => r.p99, 2),
      String(results.reduce((n, r) => n + r.failures, 0)),
      `${results.reduce((n, r) => n + r.queued, 0)}/${results.reduce((n, r) => n + r.sent, 0)}`,
      fmt(m((r) => r.invocationsPerSecond) / baseline, 2, 0),
      cell((r) => r.cpuMicros, 0),
      cell((r) => r.emulatorCpuMicros, 0),
      range(rates),
    ];
  });
  console.log(
    `\nLambda ingress in process, ${events} signed Function URL events per run (after ${WARMUP_PER_ENVIRONMENT} per environment of warm-up), median of ${rounds} rounds (load ${load()})`,
  );
  printTable(
    [
      "target",
      "in flight",
      "invocations/s",
      "p50 ms",
      "p99 ms",
      "non-2xx",
      "in queue/sent",
      "vs raw",
      "CPU µs/inv",
      "emulator CPU µs/inv",
      "range of rounds",
    ],
    rows,
  );
  const lost = [...runs.values()].flat().filter((r) => r.queued !== r.sent).length;
  if (lost > 0)
    console.log(`WARNING: in ${lost} runs the group's queue did not get every message answered 2xx`);
  console.log(
    "(in flight: that many execution environments, each one invocation at a time with clients of its own; the emulators run in a child process, on the same two cores; CPU µs/inv is the benchmark process's, handler and driver, per invocation)",
  );
}

async function runLambda(ctx: BenchContext): Promise<void> {
  const started = performance.now();
  console.log(
    `\nLambda: slackline/aws lambdaIngress() from dist/ on QUEUE_BACKEND=sqs, DEDUP_STORE=dynamodb; fauxqs (SQS + SNS) and dynalite (DynamoDB) in a child process (load ${load()})`,
  );
  const emulators = await startEmulatorProcess();
  const dir = mkdtempSync(join(tmpdir(), "slackline-bench-lambda-"));
  try {
    const aws = await importSlacklineAws();
    const topic = `bench_lambda_${Date.now()}`;
    const env: Record<string, string> = {
      ...emulators.env,
      QUEUE_BACKEND: "sqs",
      DEDUP_STORE: "dynamodb",
      DYNAMODB_TABLE: TABLE,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_EVENTS_TOPIC: topic,
      SLACKLINE_GROUPS: GROUP,
    };
    // The topic, the group's queue and the table, made once as infrastructure code would.
    const setup = aws.lambdaIngress({ env: { ...env, SLACKLINE_CREATE_RESOURCES: "1", LOG_LEVEL: "warn" } });
    const [first] = signedEvents(SECRET, 1);
    const { statusCode } = await setup(first!);
    if (statusCode !== 200) throw new Error(`the set-up invocation answered ${statusCode}`);
    env.SNS_TOPIC_ARN = await topicArn(env, aws.snsTopicName(topic));

    if (ctx.number("lambda-events") > 0) await throughput(ctx, emulators, { ...env, LOG_LEVEL: "warn" });

    const bundles = {
      "lambdaIngress()": await bundleEntry(SLACKLINE_ENTRY, join(dir, "slackline.mjs")),
      "bare handler": await bundleEntry(BARE_ENTRY, join(dir, "bare.mjs")),
    };
    printBundles(bundles, "lambdaIngress()");

    if (ctx.number("lambda-cold-starts") > 0)
      await coldStarts(ctx, SECRET, env, {
        "bare-lambda.mjs": join(ROOT, "bench/servers/bare-lambda.mjs"),
        "AWS SDK clients only": join(ROOT, "bench/aws/sdk-clients.mjs"),
        "dist/aws/index.js": join(ROOT, "dist/aws/index.js"),
        "bare, bundled": join(dir, "bare.mjs"),
        "lambdaIngress(), bundled": join(dir, "slackline.mjs"),
      });
  } finally {
    await emulators.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`(the lambda case took ${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

export const lambdaCase: BenchCase = {
  name: "lambda",
  description:
    "slackline/aws lambdaIngress() on the emulators: invocations/s and p99 vs raw SDK calls, cold start, bundle size",
  options: {
    "lambda-events": { type: "string", default: "800" },
    "lambda-concurrency": { type: "string", default: "1,16" },
    "lambda-rounds": { type: "string", default: "3" },
    "lambda-cold-starts": { type: "string", default: "5" },
  },
  run: runLambda,
};
