import type { BenchCase, BenchContext } from "../case.js";
import { AMQP_URL, cleanUp, NATS_URL, REDIS_URL, runPlace } from "../lib/services.js";
import { fmt, load, median, printTable, range } from "../lib/stats.js";
import { rawNatsEndToEnd } from "../raw/nats.js";
import { envelopePayloads } from "../raw/payloads.js";
import { rawRabbitEndToEnd } from "../raw/rabbitmq.js";
import { rawRedisEndToEnd } from "../raw/redis.js";
import type { LoopResult } from "../raw/types.js";

/** In-process runs compile their code as they go: the end-to-end warm-up is larger than ingress's. */
const WARMUP = 10_000;

/** The raw loop each backend is compared with, and what it does. */
const RAW: Record<string, { label: string; run: (events: number, prefetch: number) => Promise<LoopResult> }> =
  {
    redis: {
      label: "raw Redis loop (XADD pipelined, XREADGROUP COUNT 100, XACK)",
      run: (events) => rawRedisEndToEnd(REDIS_URL, envelopePayloads(events)),
    },
    nats: {
      label: "raw NATS loop (publish+PubAck, consume(), ack)",
      run: (events, prefetch) => rawNatsEndToEnd(NATS_URL, envelopePayloads(events), prefetch),
    },
    rabbitmq: {
      label: "raw AMQP loop (confirm channel, quorum queue, ack)",
      run: (events, prefetch) => rawRabbitEndToEnd(AMQP_URL, envelopePayloads(events), prefetch),
    },
  };

async function run(ctx: BenchContext): Promise<void> {
  const events = ctx.number("e2e-events");
  if (events <= 0) return;
  const concurrency = ctx.number("e2e-concurrency");
  const rounds = Math.max(1, ctx.number("e2e-rounds"));
  // Loaded only now: it imports the built code, which `npm run bench` builds first.
  const { slacklineEndToEnd } = await import("../lib/slackline-end-to-end.js");
  console.log(
    `\nEnd to end (publish -> worker -> no-op handler -> ack): ${events} events (after ${WARMUP} warm-up), worker concurrency ${concurrency}, ${rounds} rounds (load ${load()})`,
  );
  const names = [...ctx.backends.filter((b) => RAW[b]).map((b) => `raw:${b}`), ...ctx.backends];
  const runs = new Map<string, LoopResult[]>(names.map((n) => [n, []]));
  const once = async (name: string, count: number): Promise<LoopResult> => {
    if (name.startsWith("raw:")) return RAW[name.slice(4)]!.run(count, concurrency);
    const place = runPlace(name, "e2e");
    try {
      return await slacklineEndToEnd({ ...process.env, ...place.env }, place.topic, count, concurrency);
    } finally {
      await cleanUp(name, place);
    }
  };
  // Warm-up: the first run of each in this process pays for compiling its code.
  for (const name of names) await once(name, WARMUP);
  for (let round = 1; round <= rounds; round++) {
    // Every other round runs them in the opposite order, so none always goes first.
    for (const name of round % 2 ? names : [...names].reverse()) {
      const result = await once(name, events);
      runs.get(name)!.push(result);
      console.log(`  round ${round} ${name.padEnd(12)} ${fmt(result.eventsPerSecond)} events/s`);
    }
  }
  // A backend and its raw loop ran in the same round: their ratio is taken per round and the
  // median of those reported (a slow spell of the machine hits both sides of it).
  const rows = [...runs].map(([name, results]) => {
    const rates = results.map((r) => r.eventsPerSecond);
    const raw = runs.get(`raw:${name}`);
    const ratios = raw ? results.map((r, i) => r.eventsPerSecond / raw[i]!.eventsPerSecond) : [];
    return [
      name.startsWith("raw:") ? RAW[name.slice(4)]!.label : `slackline ${name}`,
      fmt(median(rates), 0, 0),
      name.startsWith("raw:") ? "1.00" : fmt(median(ratios), 2, 0),
      fmt(median(results.map((r) => r.cpuMicrosPerEvent)), 0, 0),
      range(rates),
      range(ratios, 2),
    ];
  });
  console.log(`\nEnd to end, median of ${rounds} rounds (load ${load()})`);
  printTable(
    ["system", "events/s", "vs raw loop", "CPU µs/event", "range of rounds", "range of ratios"],
    rows,
  );
  console.log(
    `(CPU is the benchmark process's, publisher and consumer together; raw NATS and AMQP loops take ${concurrency} messages at a time, as the worker's prefetch)`,
  );
}

export const endToEndCase: BenchCase = {
  name: "end-to-end",
  description: "publish -> Worker -> no-op handler -> ack, in process, against raw-client loops",
  options: {
    "e2e-events": { type: "string", default: "20000" },
    "e2e-concurrency": { type: "string", default: "64" },
    "e2e-rounds": { type: "string", default: "5" },
  },
  run,
};
