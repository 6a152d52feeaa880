import { type BenchCase, type BenchContext, DURABLE_BACKENDS } from "../case.js";
import { driveFor } from "../lib/load.js";
import { watchMemory } from "../lib/proc-stats.js";
import { startGateway, startWorker } from "../lib/processes.js";
import { cleanUp, GROUP, runPlace } from "../lib/services.js";
import { fmt, load, printTable } from "../lib/stats.js";
import { SECRET } from "./ingress.js";

/** The target: no gateway or worker process above this under sustained load. */
const PEAK_RSS_TARGET_MB = 150;

/**
 * Sustained load: `slackline gateway` saturated by the load generator for N seconds while a
 * `slackline worker` (no-op handler) consumes the same topic, each in its own process; the peak RSS
 * of each (the kernel's VmHWM, and VmRSS sampled every 250 ms) is what it reports.
 */
async function run(ctx: BenchContext): Promise<void> {
  const seconds = ctx.number("soak-seconds");
  if (seconds <= 0) return;
  const connections = ctx.number("connections");
  const concurrency = ctx.number("e2e-concurrency");
  const backends = ctx.backends.filter((b) => (DURABLE_BACKENDS as readonly string[]).includes(b));
  if (backends.length === 0) return;
  console.log(
    `\nSoak: each durable backend's gateway saturated for ${seconds} s (${connections} connections) while a worker (concurrency ${concurrency}) consumes (load ${load()})`,
  );
  const rows: string[][] = [];
  for (const backend of backends) {
    const place = runPlace(backend, "soak");
    const gateway = await startGateway(backend, SECRET, place.env);
    const worker = startWorker(place.env, GROUP, concurrency);
    const gatewayMemory = watchMemory(gateway.pid);
    const workerMemory = watchMemory(worker.pid);
    try {
      const result = await driveFor(gateway.url, SECRET, seconds, connections);
      const g = gatewayMemory.stop();
      const w = workerMemory.stop();
      const ok = g.peakMb < PEAK_RSS_TARGET_MB && w.peakMb < PEAK_RSS_TARGET_MB;
      rows.push([
        backend,
        fmt(result.eventsPerSecond, 0, 0),
        fmt(result.p99, 2, 0),
        String(result.non2xx + result.errors),
        fmt(g.peakMb, 0, 0),
        fmt(g.lastMb, 0, 0),
        fmt(w.peakMb, 0, 0),
        fmt(w.lastMb, 0, 0),
        ok ? "yes" : "NO",
      ]);
      console.log(
        `  ${backend.padEnd(8)} ${fmt(result.eventsPerSecond)} events/s, peak RSS gateway ${fmt(g.peakMb, 0, 0)} MB, worker ${fmt(w.peakMb, 0, 0)} MB`,
      );
    } finally {
      gatewayMemory.stop();
      workerMemory.stop();
      await gateway.stop();
      await worker.stop();
      await cleanUp(backend, place);
    }
  }
  console.log(`\nPeak RSS under ${seconds} s of saturation (load ${load()})`);
  printTable(
    [
      "backend",
      "gateway events/s",
      "p99 ms",
      "non-2xx",
      "gateway peak MB",
      "at end MB",
      "worker peak MB",
      "at end MB",
      `< ${PEAK_RSS_TARGET_MB} MB`,
    ],
    rows,
  );
}

export const soakCase: BenchCase = {
  name: "soak",
  description: "peak RSS of gateway and worker processes under sustained saturation",
  options: {
    "soak-seconds": { type: "string", default: "60" },
    connections: { type: "string", default: "32" },
    "e2e-concurrency": { type: "string", default: "64" },
  },
  run,
};
