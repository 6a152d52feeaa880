// npm run bench [-- --only memory,sqlite,redis,nats,rabbitmq --events 30000 --connections 32 --e2e-events 20000]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { tcpReachable } from "../test/helpers/services.js";
import { rawRedisLoop, slacklineEndToEnd } from "./end-to-end.js";
import { drive, type LoadResult, makeEvents } from "./load.js";
import { startBare, startGateway, type Target } from "./processes.js";

const { values } = parseArgs({
  options: {
    only: { type: "string", default: "memory,sqlite,redis,nats,rabbitmq" },
    events: { type: "string", default: "30000" },
    connections: { type: "string", default: "32" },
    "e2e-events": { type: "string", default: "20000" },
    "e2e-concurrency": { type: "string", default: "64" },
  },
});
const only = new Set(values.only.split(","));
const EVENTS = Number(values.events);
const CONNECTIONS = Number(values.connections);
const E2E_EVENTS = Number(values["e2e-events"]);
const E2E_CONCURRENCY = Number(values["e2e-concurrency"]);
const SECRET = "bench-signing-secret";
const WARMUP = 3000;

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

async function measure(name: string, start: () => Promise<Target>, bodies: string[], warmup: string[]) {
  const target = await start();
  try {
    await drive(target.url, SECRET, warmup, CONNECTIONS);
    const result = await drive(target.url, SECRET, bodies, CONNECTIONS);
    return { name, result };
  } finally {
    await target.stop();
  }
}

const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(8);

async function main() {
  console.log(
    `Slackline benchmark: ${EVENTS} unique signed Events API requests per target (after ${WARMUP} warm-up), ` +
      `${CONNECTIONS} connections, loopback, Node ${process.version}`,
  );
  const bodies = makeEvents(EVENTS);
  const warmup = makeEvents(WARMUP);
  const rows: Array<{ name: string; result: LoadResult }> = [];
  rows.push(await measure("bare node:http", startBare, bodies, warmup));
  for (const backend of ["memory", "sqlite", "redis", "nats", "rabbitmq"]) {
    if (!only.has(backend) || !(await available(backend))) continue;
    const env = SERVICES[backend]?.env ?? {};
    rows.push(await measure(`gateway ${backend}`, () => startGateway(backend, SECRET, env), bodies, warmup));
  }
  // The baseline is measured again after the gateways: on a shared machine it drifts, and the ratio
  // uses the better of the two runs so the gateways are never flattered by a slow baseline.
  rows.push(await measure("bare node:http (again)", startBare, bodies, warmup));
  const bare = Math.max(rows[0]!.result.eventsPerSecond, rows[rows.length - 1]!.result.eventsPerSecond);
  console.log("\nIngress (HTTP, verify + dedup + durable publish + 200)");
  console.log(
    "target                  events/s   p50 ms   p99 ms  non-2xx   ratio to bare (the better bare run)",
  );
  for (const { name, result } of rows) {
    console.log(
      `${name.padEnd(22)} ${fmt(result.eventsPerSecond)} ${fmt(result.p50, 2)} ${fmt(result.p99, 2)} ${fmt(result.non2xx + result.errors)}   ${(result.eventsPerSecond / bare).toFixed(2)}`,
    );
  }

  console.log(
    `\nEnd to end (publish -> worker -> no-op handler -> ack), ${E2E_EVENTS} events, worker concurrency ${E2E_CONCURRENCY}`,
  );
  let rawRedis: number | null = null;
  if (only.has("redis") && (await available("redis"))) {
    rawRedis = await rawRedisLoop(SERVICES.redis!.env.REDIS_URL!, E2E_EVENTS);
    console.log(
      `raw Redis loop (XADD pipelined, XREADGROUP COUNT 100, XACK) ${fmt(rawRedis)} events/s   baseline`,
    );
  }
  for (const backend of ["memory", "sqlite", "redis", "nats", "rabbitmq"]) {
    if (!only.has(backend) || !(await available(backend))) continue;
    const env: Record<string, string | undefined> = {
      ...process.env,
      QUEUE_BACKEND: backend,
      SLACKLINE_DATA_DIR: mkdtempSync(join(tmpdir(), "slackline-bench-e2e-")),
      ...(SERVICES[backend]?.env ?? {}),
    };
    const rate = await slacklineEndToEnd(env, E2E_EVENTS, E2E_CONCURRENCY);
    const ratio =
      backend === "redis" && rawRedis ? `   ratio to raw Redis loop ${(rate / rawRedis).toFixed(2)}` : "";
    console.log(`slackline ${backend.padEnd(10)} ${fmt(rate)} events/s${ratio}`);
  }
}

await main();
