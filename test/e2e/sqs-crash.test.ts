import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqsQueue } from "../../src/queue/backends/sqs.js";
import { sampleEnvelope } from "../../src/testing/envelopes.js";
import { type AwsEmulators, startAwsEmulators } from "../helpers/aws.js";
import { eventually, ROOT, readRecords, spawnSlackline, tempDir } from "../helpers/cli.js";

const HANDLERS = join(ROOT, "test/fixtures/recording-handlers.ts");
const EVENTS = 30;
const LEASE_MS = 2000;

describe("two workers on sqs in one group, one killed with SIGKILL mid-handler", () => {
  let aws: AwsEmulators;
  beforeAll(async () => {
    aws = await startAwsEmulators();
  });
  afterAll(async () => {
    await aws?.stop();
  });

  it("loses nothing (the victim's messages come back after their visibility timeout) and doubles nothing", async () => {
    const dataDir = tempDir();
    const records = join(dataDir, "records.jsonl");
    const group = `crash_${randomUUID().slice(0, 6)}`;
    const env: Record<string, string> = {
      ...aws.env,
      QUEUE_BACKEND: "sqs",
      SLACKLINE_CREATE_RESOURCES: "1",
      SLACK_EVENTS_TOPIC: `crash_${randomUUID().slice(0, 8)}`,
      DYNAMODB_TABLE: `slackline-crash-${randomUUID().slice(0, 8)}`,
      SLACKLINE_GROUPS: group,
      SLACKLINE_DATA_DIR: dataDir,
      RECORD_FILE: records,
      SLOW_MS: "1000",
      LEASE_MS: String(LEASE_MS),
      RETRY_BASE_MS: "50",
    };
    const args = ["worker", "--handlers", HANDLERS, "--group", group, "--concurrency", "8"];
    const victim = spawnSlackline(args, env);
    const survivor = spawnSlackline(args, env);
    try {
      for (const w of [victim, survivor]) {
        await eventually(
          () => w.output(),
          (out) => out.includes("worker consuming"),
          20_000,
        );
      }
      // The publisher creates the group's queue first (SLACKLINE_GROUPS): SNS drops what no queue gets.
      const queue = SqsQueue.fromEnv(env);
      const ids: string[] = [];
      try {
        const envelopes = Array.from({ length: EVENTS }, () => {
          const envelope = sampleEnvelope();
          (envelope.body as { event: { text: string } }).event.text = "slow";
          ids.push(envelope.id);
          return envelope;
        });
        await Promise.all(envelopes.map((e) => queue.publish(env.SLACK_EVENTS_TOPIC!, e)));
      } finally {
        await queue.close();
      }
      // Kill the victim while it is in its slow handlers (none of them has finished yet).
      const victimPid = victim.proc.pid;
      await eventually(
        () => readRecords(records).filter((r) => r.pid === victimPid && !r.tag),
        (r) => r.filter((x) => x.phase === "run").length >= 3,
        20_000,
      );
      await victim.kill("SIGKILL");
      const done = await eventually(
        () => readRecords(records).filter((r) => r.phase === "done"),
        (r) => r.length >= ids.length * 2,
        60_000,
      );
      // Nothing more comes (a late duplicate would show here).
      await new Promise((r) => setTimeout(r, LEASE_MS + 500));
      const final = readRecords(records).filter((r) => r.phase === "done");
      expect(final.length).toBe(done.length);
      const perHandler = new Map<string, number>();
      for (const r of final) {
        const key = `${r.id}/${r.tag ?? "main"}`;
        perHandler.set(key, (perHandler.get(key) ?? 0) + 1);
      }
      for (const id of ids) {
        expect(perHandler.get(`${id}/main`), `${id} main handler`).toBe(1);
        expect(perHandler.get(`${id}/sibling`), `${id} sibling handler`).toBe(1);
      }
      // The victim really was cut off mid-work, and the survivor took its messages over: as
      // redeliveries (attempt 2), once their visibility timeout had passed.
      const victimRuns = readRecords(records).filter(
        (r) => r.pid === victimPid && r.phase === "run" && !r.tag,
      );
      const victimDone = final.filter((r) => r.pid === victimPid && !r.tag);
      expect(victimRuns.length).toBeGreaterThan(victimDone.length);
      const unfinished = victimRuns.filter((r) => !victimDone.some((d) => d.id === r.id));
      for (const run of unfinished) {
        const takeover = final.find((r) => r.id === run.id && !r.tag);
        expect(takeover?.pid).toBe(survivor.proc.pid);
        expect(takeover?.attempt).toBeGreaterThanOrEqual(2);
      }
    } finally {
      await victim.kill("SIGKILL");
      await survivor.kill("SIGTERM");
    }
  }, 120_000);
});
