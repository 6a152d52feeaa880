import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";
import { join } from "node:path";
import type { BenchCase } from "../case.js";
import { drive, makeEvents } from "../lib/load.js";
import { ROOT, startGateway } from "../lib/processes.js";
import { quantile } from "../lib/stats.js";
import { SECRET } from "./ingress.js";

/**
 * The SQLite gateway as it is (each write waits at most 10 ms for another process's lock on the event
 * loop, then off it, until SQLITE_LOCK_WAIT_MS) against the way it was (SQLITE_BUSY_TIMEOUT_MS=5000:
 * the write waits inside SQLite, and the whole process with it), in the same run: without contention,
 * and while another process takes the write lock for 1.5 s every 2.5 s.
 */
const VARIANTS = [
  { name: "sqlite, bounded (default)", env: {} },
  { name: "sqlite, waits on the loop", env: { SQLITE_BUSY_TIMEOUT_MS: "5000" } },
] as const;
const HOLD_MS = 1500;
const EVERY_MS = 2500;

/** Latencies of GET /healthz every 50 ms on connections of their own, until stopped. */
function probeHealth(url: string): { stop(): Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await new Promise<void>((resolve) => {
        const req = request(`${url}/healthz`, { agent: false }, (res) => {
          res.resume();
          res.on("end", () => resolve());
        });
        req.on("error", () => resolve());
        req.end();
      });
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return latencies.sort((a, b) => a - b);
    },
  };
}

function contender(path: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [join(ROOT, "bench/servers/lock-contender.mjs"), path, String(HOLD_MS), String(EVERY_MS)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve) => child.stdout!.once("data", () => resolve(child)));
}

const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(9);

interface Measured {
  eventsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  healthP99: number;
  healthMax: number;
}

async function measure(
  variant: (typeof VARIANTS)[number],
  contended: boolean,
  secret: string,
  bodies: string[],
  connections: number,
): Promise<Measured> {
  const target = await startGateway("sqlite", secret, { ...variant.env, SQLITE_LOCK_WAIT_MS: "1000" });
  const base = target.url.replace(/\/slack\/events$/, "");
  try {
    await drive(target.url, secret, makeEvents(2000), connections);
    const holder = contended ? await contender(join(target.dataDir, "queue.db")) : null;
    const health = probeHealth(base);
    const result = await drive(target.url, secret, bodies, connections);
    const h = await health.stop();
    holder?.kill("SIGKILL");
    return { ...result, healthP99: quantile(h, 0.99), healthMax: h[h.length - 1] ?? Number.NaN };
  } finally {
    await target.stop();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Rounds interleave the variants (as the ingress half does); the table gives medians and the range. */
export async function sqliteLockBench(
  secret: string,
  events: number,
  connections: number,
  rounds: number,
): Promise<void> {
  console.log(
    `\nSQLite gateway while another process holds the write lock ${HOLD_MS} ms every ${EVERY_MS} ms (${events} events, ${connections} connections, median of ${rounds} rounds)`,
  );
  const bodies = makeEvents(events);
  const runs = new Map<string, Measured[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const contended of [false, true]) {
      for (const variant of round % 2 ? VARIANTS : [...VARIANTS].reverse()) {
        const key = `${variant.name}|${contended ? "held" : "none"}`;
        const m = await measure(variant, contended, secret, bodies, connections);
        runs.set(key, [...(runs.get(key) ?? []), m]);
        console.log(
          `  round ${round} ${key.replace("|", ", lock ").padEnd(42)} ${fmt(m.eventsPerSecond)} events/s`,
        );
      }
    }
  }
  console.log(
    "variant                      lock      events/s   p50 ms   p99 ms   max ms     503s   /healthz p99 ms   /healthz max ms   range of rounds",
  );
  for (const [key, ms] of runs) {
    const [name, lock] = key.split("|") as [string, string];
    const m = (f: (x: Measured) => number) => median(ms.map(f));
    const rates = ms.map((x) => x.eventsPerSecond);
    console.log(
      `${name.padEnd(28)} ${lock.padEnd(6)} ${fmt(m((x) => x.eventsPerSecond))} ${fmt(
        m((x) => x.p50),
        2,
      )} ${fmt(
        m((x) => x.p99),
        2,
      )} ${fmt(m((x) => x.max))} ${fmt(m((x) => x.non2xx))} ${fmt(
        m((x) => x.healthP99),
        1,
      ).padStart(17)} ${fmt(
        m((x) => x.healthMax),
        1,
      ).padStart(17)}   ${Math.round(Math.min(...rates))}-${Math.round(Math.max(...rates))}`,
    );
  }
}

/** The SQLite gateway as it is against as it was, uncontended and while another process holds the write lock. */
export const sqliteLockCase: BenchCase = {
  name: "sqlite-lock",
  description: "the SQLite gateway while another process holds the write lock",
  options: {
    "lock-events": { type: "string", default: "20000" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "32" },
  },
  async run(ctx) {
    const events = ctx.number("lock-events");
    if (!ctx.backends.includes("sqlite") || events <= 0) return;
    await sqliteLockBench(SECRET, events, ctx.number("connections"), Math.max(1, ctx.number("rounds")));
  },
};
