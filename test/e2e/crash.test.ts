import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveBackend } from "../../src/queue/registry.js";
import { sampleEnvelope } from "../../src/testing/envelopes.js";
import { dropNatsTopic, dropRabbitTopic, dropRedisKeys, runPrefix } from "../helpers/broker-cleanup.js";
import { eventually, ROOT, readRecords, spawnSlackline, tempDir } from "../helpers/cli.js";
import { AMQP_URL, NATS_URL, REDIS_URL, requireService } from "../helpers/services.js";

const HANDLERS = join(ROOT, "test/fixtures/recording-handlers.ts");
const EVENTS = 60;

const BACKENDS: Array<{ name: string; env: Record<string, string>; service?: [string, string] }> = [
  { name: "sqlite", env: {} },
  { name: "redis", env: { REDIS_URL }, service: ["Redis", REDIS_URL] },
  { name: "nats", env: { NATS_URL }, service: ["NATS", NATS_URL] },
  { name: "rabbitmq", env: { AMQP_URL }, service: ["RabbitMQ", AMQP_URL] },
];

for (const backend of BACKENDS) {
  const available = backend.service ? await requireService(...backend.service) : true;

  describe.skipIf(!available)(
    `two workers in one group on ${backend.name}, one killed with SIGKILL mid-batch`,
    () => {
      it("every event is handled, each handler's effect once", async () => {
        const dataDir = tempDir();
        const records = join(dataDir, "records.jsonl");
        const group = `crash_${randomUUID().slice(0, 6)}`;
        const env: Record<string, string> = {
          ...backend.env,
          QUEUE_BACKEND: backend.name,
          SLACKLINE_DATA_DIR: dataDir,
          SLACK_EVENTS_TOPIC: `crash_${randomUUID().slice(0, 8)}`,
          REDIS_KEY_PREFIX: runPrefix("crash-test"),
          SLACKLINE_GROUPS: group,
          RECORD_FILE: records,
          SLOW_MS: "400",
          LEASE_MS: "2000",
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
          const queue = await (await resolveBackend({ ...process.env, ...env })).factory.fromEnv({
            ...process.env,
            ...env,
          });
          const ids: string[] = [];
          try {
            for (let i = 0; i < EVENTS; i++) {
              const envelope = sampleEnvelope();
              (envelope.body as { event: { text: string } }).event.text = "slow";
              ids.push(envelope.id);
              await queue.publish(env.SLACK_EVENTS_TOPIC!, envelope);
            }
          } finally {
            await queue.close();
          }
          // Kill the victim while its first batch is in its slow handlers (none has finished yet).
          const victimPid = victim.proc.pid;
          await eventually(
            () => readRecords(records).filter((r) => r.pid === victimPid && !r.tag),
            (r) => r.filter((x) => x.phase === "run").length >= 3,
            20_000,
          );
          await victim.kill("SIGKILL");
          const expected = ids.length * 2;
          const done = await eventually(
            () => readRecords(records).filter((r) => r.phase === "done"),
            (r) => r.length >= expected,
            60_000,
          );
          await new Promise((r) => setTimeout(r, 1000));
          const final = readRecords(records).filter((r) => r.phase === "done");
          expect(final.length).toBe(done.length);
          const perHandler = new Map<string, number>();
          for (const r of final)
            perHandler.set(
              `${r.id}/${r.tag ?? "main"}`,
              (perHandler.get(`${r.id}/${r.tag ?? "main"}`) ?? 0) + 1,
            );
          for (const id of ids) {
            expect(perHandler.get(`${id}/main`), `${id} main handler`).toBe(1);
            expect(perHandler.get(`${id}/sibling`), `${id} sibling handler`).toBe(1);
          }
          // The victim really was cut off mid-work: some of its runs never finished, and were taken over.
          const victimRuns = readRecords(records).filter(
            (r) => r.pid === victimPid && r.phase === "run" && !r.tag,
          );
          const victimDone = final.filter((r) => r.pid === victimPid && !r.tag);
          expect(victimRuns.length).toBeGreaterThan(victimDone.length);
        } finally {
          await victim.kill("SIGKILL");
          await survivor.kill("SIGTERM");
          // The shared services keep nothing of this run.
          const topic = env.SLACK_EVENTS_TOPIC!;
          if (backend.name === "redis") await dropRedisKeys(REDIS_URL, env.REDIS_KEY_PREFIX!);
          if (backend.name === "nats") await dropNatsTopic(NATS_URL, topic);
          if (backend.name === "rabbitmq") await dropRabbitTopic(AMQP_URL, topic, [group]);
        }
      }, 120_000);
    },
  );
}
