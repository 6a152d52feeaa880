import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createDashboard } from "../../src/dashboard/dashboard.js";
import { RecentEvents } from "../../src/dashboard/recent-events.js";
import { listen } from "../../src/ingress/http/listen.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { SqliteQueue } from "../../src/queue/backends/sqlite.js";
import { sampleEnvelope } from "../../src/testing/envelopes.js";
import type { BenchCase } from "../case.js";

const TOPIC = "bench_dlq";

/**
 * How long the dashboard takes to answer a page of dead letters when the DLQ holds `count` of them
 * (SQLite): the first read (every dead letter read through the cursor, then filtered), a read
 * reused within its two seconds, and a filtered page on a fresh read. Over HTTP, as the page asks.
 */
export async function deadLetterPages(count: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "slackline-bench-dlq-"));
  const backend = new SqliteQueue({ path: join(dir, "queue.db") });
  try {
    for (let i = 0; i < count; i++) await backend.publish(TOPIC, sampleEnvelope());
    const controller = new AbortController();
    let left = count;
    for await (const d of backend.consume(TOPIC, {
      group: "default",
      signal: controller.signal,
      prefetch: 1000,
    })) {
      await d.deadLetter(
        left % 3 !== 0 ? "app_mention#0: Error: upstream 502" : "app_mention#0: TimeoutError: slow",
      );
      if (--left === 0) controller.abort();
    }
    const dashboard = createDashboard({
      backend,
      topic: TOPIC,
      groups: ["default"],
      metrics: new Metrics(),
      logger: silentLogger,
      recent: new RecentEvents(),
      info: { version: "bench", backend: "sqlite", startedAt: Date.now(), ready: () => backend.ping() },
      host: "127.0.0.1",
    });
    const server = await listen(
      (req, res) => void dashboard.handle(req, res, (req.url ?? "/").split("?")[0]!),
      0,
      "127.0.0.1",
    );
    const timed = async (query: string) => {
      const started = performance.now();
      const res = await fetch(`${server.url}/dashboard/api/dead-letters?${query}`);
      const page = (await res.json()) as { matching: number; total: number };
      return { ms: performance.now() - started, ...page };
    };
    const cold = await timed("limit=50");
    const warm = await timed("limit=50&offset=5000&text=timeout");
    await new Promise((r) => setTimeout(r, 2100));
    const fresh = await timed("limit=50&text=timeout");
    console.log(`\nDead letters: a page of 50 with ${cold.total} in the DLQ (SQLite, over HTTP)`);
    console.log(
      `  first read (all ${cold.total} through the cursor):   ${cold.ms.toFixed(0).padStart(6)} ms`,
    );
    console.log(
      `  another page, filtered, read reused:          ${warm.ms.toFixed(0).padStart(6)} ms (${warm.matching} match)`,
    );
    console.log(`  filtered, on a fresh read:                    ${fresh.ms.toFixed(0).padStart(6)} ms`);
    await dashboard.close();
    await server.close();
  } finally {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `--dlq N`: how fast the dashboard pages a DLQ of N dead letters (off unless N > 0). */
export const deadLettersCase: BenchCase = {
  name: "dead-letters",
  description: "how fast the dashboard pages a large DLQ (SQLite, over HTTP)",
  options: { dlq: { type: "string", default: "0" } },
  async run(ctx) {
    const count = ctx.number("dlq");
    if (count > 0) await deadLetterPages(count);
  },
};
