// npm run bench [-- --only memory,sqlite,redis,nats,rabbitmq --rounds 3 --events 20000 --connections 32 --e2e-events 20000 --e2e-rounds 5 --dashboard --dlq 10000 --lock-events 20000
//   --socket-events 20000 --socket-rounds 3 --socket-window 32 --socket-connections 1 (0 events skips Socket Mode)]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { dropNatsTopic, dropRabbitTopic, dropRedisKeys, runPrefix } from "../test/helpers/broker-cleanup.js";
import { tcpReachable } from "../test/helpers/services.js";
import { cpuSeconds } from "./cpu.js";
import { watchDashboard } from "./dashboard-viewer.js";
import { deadLetterPages } from "./dead-letters.js";
import { type EndToEndResult, rawRedisLoop, slacklineEndToEnd } from "./end-to-end.js";
import { drive, type LoadResult, makeEvents } from "./load.js";
import { startBare, startGateway, type Target } from "./processes.js";
import { socketCase } from "./socket.js";
import { sqliteLockBench } from "./sqlite-lock.js";

const { values } = parseArgs({
  options: {
    only: { type: "string", default: "memory,sqlite,redis,nats,rabbitmq" },
    rounds: { type: "string", default: "3" },
    events: { type: "string", default: "20000" },
    connections: { type: "string", default: "32" },
    "e2e-events": { type: "string", default: "20000" },
    "e2e-concurrency": { type: "string", default: "64" },
    "e2e-rounds": { type: "string", default: "5" },
    "lock-events": { type: "string", default: "20000" },
    // Each gateway also as <backend>:off (--no-dashboard) and <backend>:open (a page watching it).
    dashboard: { type: "boolean", default: false },
    // With N > 0: how fast the dashboard pages a DLQ of N dead letters.
    dlq: { type: "string", default: "0" },
    ...socketCase.options,
  },
});
const only = new Set(values.only.split(","));
const ROUNDS = Math.max(1, Number(values.rounds));
const EVENTS = Number(values.events);
const CONNECTIONS = Number(values.connections);
const E2E_EVENTS = Number(values["e2e-events"]);
const E2E_CONCURRENCY = Number(values["e2e-concurrency"]);
const E2E_ROUNDS = Math.max(1, Number(values["e2e-rounds"]));
/** In-process runs compile their code as they go: the end-to-end warm-up is larger than ingress's. */
const E2E_WARMUP = 10_000;

const SECRET = "bench-signing-secret";
const WARMUP = 3000;
const BACKENDS = ["memory", "sqlite", "redis", "nats", "rabbitmq"];

const SERVICES: Record<string, { port: number; env: Record<string, string> }> = {
  redis: { port: 6379, env: { REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" } },
  nats: { port: 4222, env: { NATS_URL: process.env.NATS_URL ?? "nats://127.0.0.1:4222" } },
  rabbitmq: { port: 5672, env: { AMQP_URL: process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672" } },
};

async function available(backend: string): Promise<boolean> {
  const service = SERVICES[backend];
  if (!service) return true;
  const ok = await tcpReachable("127.0.0.1", service.port);
  if (!ok) console.log(`skip ${backend}: nothing answers on 127.0.0.1:${service.port}`);
  return ok;
}

type Measured = LoadResult & { cpuMicrosPerRequest: number | null };

async function measure(
  start: () => Promise<Target>,
  bodies: string[],
  warmup: string[],
  watched = false,
): Promise<Measured> {
  const target = await start();
  const viewer = watched ? await watchDashboard(target.url) : null;
  try {
    await drive(target.url, SECRET, warmup, CONNECTIONS);
    const before = cpuSeconds(target.pid);
    const result = await drive(target.url, SECRET, bodies, CONNECTIONS);
    const after = cpuSeconds(target.pid);
    const cpu = before === null || after === null ? null : ((after - before) * 1e6) / result.total;
    if (viewer && viewer.events() === 0) throw new Error("the dashboard stream sent nothing during the run");
    return { ...result, cpuMicrosPerRequest: cpu };
  } finally {
    viewer?.close();
    await target.stop();
  }
}

/** What a run left in a broker goes: `npm run bench` must not pile up streams and queues. */
async function cleanUp(backend: string, redisPrefix: string, topic: string): Promise<void> {
  try {
    if (backend === "redis") await dropRedisKeys(SERVICES.redis!.env.REDIS_URL!, redisPrefix);
    if (backend === "nats") await dropNatsTopic(SERVICES.nats!.env.NATS_URL!, topic);
    if (backend === "rabbitmq")
      await dropRabbitTopic(SERVICES.rabbitmq!.env.AMQP_URL!, topic, ["default", "mcp", "bench"]);
  } catch (err) {
    console.log(`  (could not remove ${backend} topic ${topic}: ${(err as Error).message})`);
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(8);
const range = (xs: number[]) =>
  xs.length > 1 ? `${Math.round(Math.min(...xs))}-${Math.round(Math.max(...xs))}` : "";

/** Rounds interleave the targets, so a slow spell of the shared machine hits all of them alike. */
async function ingress(targets: string[]) {
  const bodies = makeEvents(EVENTS);
  const warmup = makeEvents(WARMUP);
  const variants = values.dashboard ? targets.flatMap((t) => [t, `${t}:off`, `${t}:open`]) : targets;
  const runs = new Map<string, Measured[]>(["bare", ...variants].map((t) => [t, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const name of runs.keys()) {
      const [backend = name, dashboard] = name.split(":");
      const prefix = runPrefix("bench");
      const topic = `bench_${Date.now()}`;
      const env = {
        ...(SERVICES[backend]?.env ?? {}),
        SLACK_EVENTS_TOPIC: topic,
        ...(backend === "redis" ? { REDIS_KEY_PREFIX: prefix } : {}),
      };
      const args = dashboard === "off" ? ["--no-dashboard"] : [];
      const start = name === "bare" ? startBare : () => startGateway(backend, SECRET, env, args);
      const result = await measure(start, bodies, warmup, dashboard === "open");
      await cleanUp(backend, prefix, topic);
      runs.get(name)!.push(result);
      console.log(`  round ${round} ${name.padEnd(8)} ${fmt(result.eventsPerSecond)} events/s`);
    }
  }
  const bare = median(runs.get("bare")!.map((r) => r.eventsPerSecond));
  console.log(`\nIngress (HTTP, verify + dedup + durable publish + 200), median of ${ROUNDS} rounds`);
  console.log(
    "target                 events/s   p50 ms   p99 ms  non-2xx   ratio to bare   server CPU µs/request   range of rounds",
  );
  for (const [name, results] of runs) {
    const rates = results.map((r) => r.eventsPerSecond);
    const rate = median(rates);
    const failures = results.reduce((n, r) => n + r.non2xx + r.errors, 0);
    const label =
      name === "bare"
        ? "bare node:http"
        : `gateway ${name.replace(":off", " -dash").replace(":open", " +page")}`;
    const cpus = results.flatMap((r) => (r.cpuMicrosPerRequest === null ? [] : [r.cpuMicrosPerRequest]));
    const cpu = cpus.length > 0 ? median(cpus).toFixed(0) : "n/a";
    console.log(
      `${label.padEnd(21)} ${fmt(rate)} ${fmt(median(results.map((r) => r.p50)), 2)} ${fmt(median(results.map((r) => r.p99)), 2)} ${fmt(failures)}   ${(rate / bare).toFixed(2).padStart(13)}   ${cpu.padStart(21)}   ${range(rates)}`,
    );
  }
}

async function endToEnd(backends: string[]) {
  console.log(
    `\nEnd to end (publish -> worker -> no-op handler -> ack), ${E2E_EVENTS} events (after ${E2E_WARMUP} warm-up), worker concurrency ${E2E_CONCURRENCY}, ${E2E_ROUNDS} rounds`,
  );
  const redisUrl = SERVICES.redis!.env.REDIS_URL!;
  const withRaw = backends.includes("redis");
  const runs = new Map<string, EndToEndResult[]>(
    [...(withRaw ? ["raw"] : []), ...backends].map((b) => [b, []]),
  );
  const once = async (name: string, events: number): Promise<EndToEndResult> => {
    const prefix = runPrefix("bench");
    const topic = `bench_e2e_${Date.now()}`;
    const result =
      name === "raw"
        ? await rawRedisLoop(redisUrl, events)
        : await slacklineEndToEnd(
            {
              ...process.env,
              QUEUE_BACKEND: name,
              SLACKLINE_DATA_DIR: mkdtempSync(join(tmpdir(), "slackline-bench-e2e-")),
              REDIS_KEY_PREFIX: prefix,
              ...(SERVICES[name]?.env ?? {}),
            },
            topic,
            events,
            E2E_CONCURRENCY,
          );
    await cleanUp(name, prefix, topic);
    return result;
  };
  // Warm-up: the first run of each in this process pays for compiling its code.
  for (const name of runs.keys()) await once(name, E2E_WARMUP);
  const names = [...runs.keys()];
  for (let round = 1; round <= E2E_ROUNDS; round++) {
    // Every other round runs them in the opposite order, so neither always goes first.
    for (const name of round % 2 ? names : [...names].reverse()) {
      const result = await once(name, E2E_EVENTS);
      runs.get(name)!.push(result);
      console.log(`  round ${round} ${name.padEnd(8)} ${fmt(result.eventsPerSecond)} events/s`);
    }
  }
  // The raw loop and Slackline on Redis ran back to back in each round: their ratio is taken per
  // round, and the median of those is reported (a slow spell of the machine hits both sides of it).
  const raw = runs.get("raw");
  const ratios = (results: EndToEndResult[]) =>
    results.map((r, i) => r.eventsPerSecond / raw![i]!.eventsPerSecond);
  console.log(
    "\nsystem                                                        events/s   ratio   CPU µs/event   range of rounds   range of ratios",
  );
  for (const [name, results] of runs) {
    const rates = results.map((r) => r.eventsPerSecond);
    const cpu = median(results.map((r) => r.cpuMicrosPerEvent)).toFixed(0);
    const label =
      name === "raw" ? "raw Redis loop (XADD pipelined, XREADGROUP COUNT 100, XACK)" : `slackline ${name}`;
    const paired = raw && (name === "raw" || name === "redis") ? ratios(results) : null;
    const ratio = paired ? median(paired).toFixed(2) : "";
    const ratioRange =
      paired && name !== "raw" ? `${Math.min(...paired).toFixed(2)}-${Math.max(...paired).toFixed(2)}` : "";
    console.log(
      `${label.padEnd(60)} ${fmt(median(rates))}   ${ratio.padStart(5)}   ${cpu.padStart(12)}   ${range(rates).padEnd(15)}   ${ratioRange}`,
    );
  }
}

async function main() {
  console.log(
    `Slackline benchmark: ${EVENTS} unique signed Events API requests per run (after ${WARMUP} warm-up), ` +
      `${CONNECTIONS} connections, loopback, ${ROUNDS} rounds, Node ${process.version}`,
  );
  const backends: string[] = [];
  for (const b of BACKENDS) if (only.has(b) && (await available(b))) backends.push(b);
  await ingress(backends);
  // The SQLite write lock held by another process: as it is, against as it was (same run).
  if (backends.includes("sqlite") && Number(values["lock-events"]) > 0)
    await sqliteLockBench(SECRET, Number(values["lock-events"]), CONNECTIONS, ROUNDS);
  if (E2E_EVENTS > 0) await endToEnd(backends);
  if (Number(values.dlq) > 0) await deadLetterPages(Number(values.dlq));
  await socketCase.run({ backends, number: (option) => Number(values[option as keyof typeof values]) });
}

await main();
