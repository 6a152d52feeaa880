import type { BenchCase, BenchContext } from "../case.js";
import { watchDashboard } from "../lib/dashboard-viewer.js";
import { drive, type LoadResult, makeEvents } from "../lib/load.js";
import { cpuSeconds } from "../lib/proc-stats.js";
import { runScript, startBare, startBolt, startGateway, type Target } from "../lib/processes.js";
import { cleanUp, runPlace } from "../lib/services.js";
import { fmt, load, median, printTable, range } from "../lib/stats.js";
import type { PublishLoopResult } from "../raw/types.js";

export const SECRET = "bench-signing-secret";
const WARMUP = 3000;
/** Backends with a raw-client publish loop to compare their gateway with. */
const RAW_PUBLISH = new Set(["nats", "rabbitmq"]);

interface Measured {
  eventsPerSecond: number;
  p50: number;
  p99: number;
  /** Non-2xx answers and connection errors. */
  failures: number;
  cpuMicrosPerRequest: number;
}

async function overHttp(
  start: () => Promise<Target>,
  bodies: string[],
  warmup: string[],
  connections: number,
  watched = false,
): Promise<Measured> {
  const target = await start();
  const viewer = watched ? await watchDashboard(target.url) : null;
  try {
    await drive(target.url, SECRET, warmup, connections);
    const before = cpuSeconds(target.pid);
    const result: LoadResult = await drive(target.url, SECRET, bodies, connections);
    const after = cpuSeconds(target.pid);
    if (viewer && viewer.events() === 0) throw new Error("the dashboard stream sent nothing during the run");
    return {
      eventsPerSecond: result.eventsPerSecond,
      p50: result.p50,
      p99: result.p99,
      failures: result.non2xx + result.errors,
      cpuMicrosPerRequest:
        before === null || after === null ? Number.NaN : ((after - before) * 1e6) / result.total,
    };
  } finally {
    viewer?.close();
    await target.stop();
  }
}

/** The raw loop runs in a process of its own, as a gateway does, with the same messages in flight. */
async function rawPublish(backend: string, events: number, concurrency: number): Promise<Measured> {
  const r = await runScript<PublishLoopResult>("bench/raw/publish-process.ts", [
    backend,
    String(events),
    String(WARMUP),
    String(concurrency),
  ]);
  return { ...r, failures: 0, cpuMicrosPerRequest: r.cpuMicrosPerEvent };
}

const label = (name: string): string =>
  name === "bare"
    ? "bare node:http"
    : name === "bolt"
      ? "Bolt HTTPReceiver"
      : name.startsWith("raw:")
        ? `raw ${name.slice(4)} publish loop`
        : `gateway ${name.replace(":off", " -dash").replace(":open", " +page")}`;

async function run(ctx: BenchContext): Promise<void> {
  const rounds = Math.max(1, ctx.number("rounds"));
  const events = ctx.number("events");
  const connections = ctx.number("connections");
  const bodies = makeEvents(events);
  const warmup = makeEvents(WARMUP);
  const names = [
    "bare",
    ...(ctx.values["no-bolt"] ? [] : ["bolt"]),
    // With --dashboard, each gateway also as <backend>:off (--no-dashboard) and <backend>:open (a page watching it).
    ...(ctx.values.dashboard ? ctx.backends.flatMap((b) => [b, `${b}:off`, `${b}:open`]) : ctx.backends),
    ...ctx.backends.filter((b) => RAW_PUBLISH.has(b)).map((b) => `raw:${b}`),
  ];
  const runs = new Map<string, Measured[]>(names.map((n) => [n, []]));
  console.log(
    `\nIngress: ${events} unique signed Events API requests per run (after ${WARMUP} warm-up), ${connections} connections, ${rounds} rounds (load ${load()})`,
  );
  // Rounds interleave the targets, so a slow spell of the shared machine hits all of them alike.
  for (let round = 1; round <= rounds; round++) {
    for (const name of names) {
      let result: Measured;
      if (name === "bare") result = await overHttp(startBare, bodies, warmup, connections);
      else if (name === "bolt") result = await overHttp(() => startBolt(SECRET), bodies, warmup, connections);
      else if (name.startsWith("raw:")) result = await rawPublish(name.slice(4), events, connections);
      else {
        const [backend = name, dashboard] = name.split(":");
        const place = runPlace(backend, "ingress");
        const args = dashboard === "off" ? ["--no-dashboard"] : [];
        const start = () => startGateway(backend, SECRET, place.env, args);
        result = await overHttp(start, bodies, warmup, connections, dashboard === "open");
        await cleanUp(backend, place);
      }
      runs.get(name)!.push(result);
      console.log(`  round ${round} ${label(name).padEnd(28)} ${fmt(result.eventsPerSecond)} events/s`);
    }
  }

  const rate = (name: string) => median(runs.get(name)?.map((r) => r.eventsPerSecond) ?? []);
  const bare = rate("bare");
  const bolt = rate("bolt");
  const rows = [...runs].map(([name, results]) => {
    const rates = results.map((r) => r.eventsPerSecond);
    const own = median(rates);
    const raw = name.startsWith("raw:") ? Number.NaN : rate(`raw:${name.split(":")[0]}`);
    return [
      label(name),
      fmt(own, 0, 0),
      fmt(median(results.map((r) => r.p50)), 2, 0),
      fmt(median(results.map((r) => r.p99)), 2, 0),
      name.startsWith("raw:") ? "" : String(results.reduce((n, r) => n + r.failures, 0)),
      fmt(own / bare, 2, 0),
      fmt(own / bolt, 2, 0),
      fmt(own / raw, 2, 0),
      fmt(median(results.map((r) => r.cpuMicrosPerRequest)), 0, 0),
      range(rates),
    ];
  });
  console.log(
    `\nIngress (verify + dedup + durable publish + 200), median of ${rounds} rounds (load ${load()})`,
  );
  printTable(
    [
      "target",
      "events/s",
      "p50 ms",
      "p99 ms",
      "non-2xx",
      "vs bare",
      "vs Bolt",
      "vs raw loop",
      "CPU µs/request",
      "range of rounds",
    ],
    rows,
  );
  console.log(
    "(raw loops: PubAck / publisher confirm awaited per message, as many in flight as connections; CPU is the loop process's per message)",
  );
}

export const ingressCase: BenchCase = {
  name: "ingress",
  description: "HTTP ingress: bare node:http, Bolt's HTTPReceiver, each gateway, raw publish loops",
  options: {
    rounds: { type: "string", default: "3" },
    events: { type: "string", default: "20000" },
    connections: { type: "string", default: "32" },
    "no-bolt": { type: "boolean", default: false },
    dashboard: { type: "boolean", default: false },
  },
  run,
};
