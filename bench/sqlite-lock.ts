import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";
import { join } from "node:path";
import { drive, makeEvents } from "./load.js";
import { ROOT, startGateway } from "./processes.js";

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
    [join(ROOT, "bench/lock-contender.mjs"), path, String(HOLD_MS), String(EVERY_MS)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve) => child.stdout!.once("data", () => resolve(child)));
}

const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(9);

export async function sqliteLockBench(secret: string, events: number, connections: number): Promise<void> {
  console.log(
    `\nSQLite gateway while another process holds the write lock ${HOLD_MS} ms every ${EVERY_MS} ms (${events} events, ${connections} connections)`,
  );
  console.log(
    "variant                      contention   events/s   p50 ms   p99 ms   max ms   503s   /healthz p99 ms   /healthz max ms",
  );
  const bodies = makeEvents(events);
  for (const contended of [false, true]) {
    for (const variant of VARIANTS) {
      const target = await startGateway("sqlite", secret, { ...variant.env, SQLITE_LOCK_WAIT_MS: "1000" });
      const base = target.url.replace(/\/slack\/events$/, "");
      try {
        await drive(target.url, secret, makeEvents(2000), connections);
        const holder = contended ? await contender(join(target.dataDir, "queue.db")) : null;
        const health = probeHealth(base);
        const result = await drive(target.url, secret, bodies, connections);
        const h = await health.stop();
        holder?.kill("SIGKILL");
        const at = (q: number) => h[Math.min(h.length - 1, Math.floor(q * h.length))] ?? Number.NaN;
        console.log(
          `${variant.name.padEnd(28)} ${(contended ? "held" : "none").padEnd(10)} ${fmt(result.eventsPerSecond)} ${fmt(result.p50, 2)} ${fmt(result.p99, 2)} ${fmt(result.max, 0)} ${fmt(result.non2xx)} ${fmt(at(0.99), 1).padStart(17)} ${fmt(h[h.length - 1] ?? Number.NaN, 1).padStart(17)}`,
        );
      } finally {
        await target.stop();
      }
    }
  }
}
