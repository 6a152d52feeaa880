// The bolt case: a Bolt app whose app_mention listener takes 200 ms (bench/servers/slow-listener.mjs),
// received three ways in the same rounds, each in a process of its own (bench/servers/bolt-server.mjs
// and bolt-slow-app.mjs):
// - Bolt's HTTPReceiver as it comes: it acks at once and runs the listener after;
// - Bolt's HTTPReceiver with processBeforeResponse: true: it acks once the listener is done;
// - the same app on Slackline (new App({ receiver: new SlacklineReceiver() })), `slackline start
//   --handlers bench/servers/bolt-slow-app.mjs` on sqlite: ack after the durable write, the listener
//   in the worker of the same process.
// Acks/s and ack latency come from the load generator; the listener runs finished from a file the
// listener appends a byte to per run: at the last ack, and after a drain of at most
// --bolt-drain-seconds, so the acks are seen not to cost work.
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { BenchCase, BenchContext } from "../case.js";
import { drive, makeEvents } from "../lib/load.js";
import { cpuSeconds, watchMemory } from "../lib/proc-stats.js";
import { ROOT, startBolt, startSlackline, type Target } from "../lib/processes.js";
import { cleanUp, runPlace } from "../lib/services.js";
import { fmt, load, median, printTable, range } from "../lib/stats.js";
import { SECRET } from "./ingress.js";

const LISTENER_MS = 200;
const WARMUP = 300;

type Name = "bolt" | "bolt-pbr" | "slackline";
const LABEL: Record<Name, string> = {
  bolt: "Bolt HTTPReceiver (default)",
  "bolt-pbr": "Bolt processBeforeResponse",
  slackline: "Slackline sqlite (start)",
};

interface Measured {
  acked: number;
  acksPerSecond: number;
  p50: number;
  p99: number;
  failures: number;
  /** Listener runs finished by the last ack. */
  doneAtLastAck: number;
  /** Listener runs finished once the drain ended (all of them, or the drain's deadline passed). */
  doneAfterDrain: number;
  /** Seconds from the last ack until every listener run had finished; NaN if they had not by the deadline. */
  drainSeconds: number;
  cpuMicrosPerEvent: number;
  peakRssMb: number;
}

/** The listener runs finished so far: the count file's size (0 before the first). */
function counted(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Polls the count until it reaches `want` or `seconds` pass; resolves with the seconds it took, or NaN. */
async function until(file: string, want: number, seconds: number): Promise<number> {
  const started = performance.now();
  while (counted(file) < want) {
    if (performance.now() - started > seconds * 1000) return Number.NaN;
    await sleep(20);
  }
  return (performance.now() - started) / 1000;
}

function start(name: Name, countFile: string, concurrency: number, place: ReturnType<typeof runPlace>) {
  const env = { BENCH_LISTENER_COUNT_FILE: countFile, BENCH_LISTENER_MS: String(LISTENER_MS) };
  if (name === "slackline") {
    const app = join(ROOT, "bench/servers/bolt-slow-app.mjs");
    // A short drain at stop: the case has waited for the listeners by then.
    const args = ["--handlers", app, "--concurrency", String(concurrency), "--drain-ms", "1000"];
    return startSlackline("start", "sqlite", SECRET, { ...place.env, ...env }, args);
  }
  return startBolt(SECRET, { ...env, BOLT_PROCESS_BEFORE_RESPONSE: name === "bolt-pbr" ? "1" : "0" });
}

async function measure(
  target: Target,
  countFile: string,
  bodies: string[],
  connections: number,
  drain: number,
) {
  await drive(target.url, SECRET, makeEvents(WARMUP), connections);
  if (Number.isNaN(await until(countFile, WARMUP, 30)))
    throw new Error(`bolt: the warm-up's listeners did not finish (${counted(countFile)} of ${WARMUP})`);
  const base = counted(countFile);
  const memory = watchMemory(target.pid);
  const before = cpuSeconds(target.pid);
  const r = await drive(target.url, SECRET, bodies, connections);
  const doneAtLastAck = counted(countFile) - base;
  const acked = r.total - r.non2xx;
  const drainSeconds = await until(countFile, base + acked, drain);
  const after = cpuSeconds(target.pid);
  return {
    acked,
    acksPerSecond: r.eventsPerSecond,
    p50: r.p50,
    p99: r.p99,
    failures: r.non2xx + r.errors,
    doneAtLastAck,
    doneAfterDrain: counted(countFile) - base,
    drainSeconds,
    // Through the drain: for Slackline the listeners' share is the worker's, in the same process.
    cpuMicrosPerEvent: before === null || after === null ? Number.NaN : ((after - before) * 1e6) / r.total,
    peakRssMb: memory.stop().peakMb,
  } satisfies Measured;
}

async function run(ctx: BenchContext): Promise<void> {
  const events = ctx.number("bolt-events");
  if (events <= 0) return;
  const pbrEvents = ctx.number("bolt-pbr-events");
  const connections = ctx.number("bolt-connections");
  const concurrency = ctx.number("bolt-concurrency");
  const drain = ctx.number("bolt-drain-seconds");
  const rounds = Math.max(1, ctx.number("bolt-rounds"));
  const names: Name[] = [
    "bolt",
    "bolt-pbr",
    ...(ctx.backends.includes("sqlite") ? ["slackline" as const] : []),
  ];
  if (!names.includes("slackline")) console.log("\nBolt: Slackline skipped (sqlite not selected)");
  console.log(
    `\nBolt, a ${LISTENER_MS} ms app_mention listener: ${events} unique signed events per run (${pbrEvents} for processBeforeResponse, whose acks wait for it), after ${WARMUP} warm-up, ${connections} connections, Slackline worker concurrency ${concurrency}, ${rounds} rounds (load ${load()})`,
  );
  const runs = new Map<Name, Measured[]>(names.map((n) => [n, []]));
  for (let round = 1; round <= rounds; round++) {
    // Rotate the order each round, so no target always runs first.
    for (const name of names.map((_, i) => names[(i + round - 1) % names.length]!)) {
      const countFile = join(mkdtempSync(join(tmpdir(), "slackline-bench-bolt-")), "count");
      const place = runPlace("sqlite", "bolt");
      const target = await start(name, countFile, concurrency, place);
      try {
        const bodies = makeEvents(name === "bolt-pbr" ? pbrEvents : events);
        const m = await measure(target, countFile, bodies, connections, drain);
        runs.get(name)!.push(m);
        console.log(
          `  round ${round} ${LABEL[name].padEnd(28)} ${fmt(m.acksPerSecond)} acks/s, listeners done ${m.doneAtLastAck}/${m.acked} at the last ack, ${m.doneAfterDrain} after the drain`,
        );
      } finally {
        await target.stop();
        await cleanUp("sqlite", place);
      }
    }
  }

  const rows = [...runs].map(([name, results]) => {
    const med = (pick: (r: Measured) => number) => median(results.map(pick));
    const rates = results.map((r) => r.acksPerSecond);
    const drained = results.filter((r) => Number.isFinite(r.drainSeconds));
    return [
      LABEL[name],
      fmt(median(rates), 0, 0),
      fmt(
        med((r) => r.p50),
        1,
        0,
      ),
      fmt(
        med((r) => r.p99),
        1,
        0,
      ),
      String(results.reduce((n, r) => n + r.failures, 0)),
      `${results.reduce((n, r) => n + r.doneAtLastAck, 0)}/${results.reduce((n, r) => n + r.acked, 0)}`,
      `${results.reduce((n, r) => n + r.doneAfterDrain, 0)}/${results.reduce((n, r) => n + r.acked, 0)}`,
      drained.length === results.length
        ? fmt(
            med((r) => r.drainSeconds),
            2,
            0,
          )
        : `> ${drain}`,
      fmt(
        med((r) => r.cpuMicrosPerEvent),
        0,
        0,
      ),
      fmt(
        med((r) => r.peakRssMb),
        0,
        0,
      ),
      range(rates),
    ];
  });
  console.log(`\nBolt with a ${LISTENER_MS} ms listener, median of ${rounds} rounds (load ${load()})`);
  printTable(
    [
      "receiver",
      "acks/s",
      "ack p50 ms",
      "ack p99 ms",
      "non-2xx",
      "listeners done at last ack",
      "done after drain",
      "drain s",
      "CPU µs/event",
      "peak RSS MB",
      "range of rounds",
    ],
    rows,
  );
  console.log(
    `(listener counts summed over the rounds; drain: from the last ack until every acked event's listener had run, at most ${drain} s; CPU through the drain)`,
  );
}

export const boltCase: BenchCase = {
  name: "bolt",
  description:
    "A 200 ms Bolt listener: Bolt's HTTPReceiver, with processBeforeResponse, and on Slackline (sqlite)",
  options: {
    "bolt-events": { type: "string", default: "5000" },
    "bolt-pbr-events": { type: "string", default: "800" },
    "bolt-connections": { type: "string", default: "32" },
    "bolt-concurrency": { type: "string", default: "256" },
    "bolt-drain-seconds": { type: "string", default: "15" },
    "bolt-rounds": { type: "string", default: "3" },
  },
  run,
};
