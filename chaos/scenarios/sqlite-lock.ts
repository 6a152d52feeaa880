import { join } from "node:path";
import { Ledger, send, settle, sleep, steadyLoad } from "../lib/load.js";
import { killAll, spawnNode } from "../lib/procs.js";
import { expectThat, ledgerRow } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";
import { stack, start } from "../lib/stack.js";

const HOLD_MS = 4000;

/**
 * Another process takes the SQLite write lock and keeps it 4 s while `slackline start` gets 100
 * events a second: answers come within the bound (503, Retry-After: Slack retries), /healthz at once,
 * and everything acked is handled once the lock is released.
 */
export const sqliteLock: Scenario = {
  name: "sqlite-lock",
  description: "the SQLite write lock held 4 s by another process under 100 events/s",
  async run() {
    const s = stack("sqlite");
    try {
      const app = await start(s);
      const ledger = new Ledger();
      const load = steadyLoad(ledger, () => app.base, { perSecond: 100, seconds: 10, tag: "Lock" });
      await sleep(3000);
      const holder = spawnNode(
        "lock-holder",
        [
          "--import",
          "tsx",
          "test/fixtures/sqlite-child.ts",
          "hold",
          join(s.dataDir, "queue.db"),
          "-",
          String(HOLD_MS),
        ],
        {},
        { urlPattern: /^(holding)$/m },
      );
      await holder.url;
      const heldAt = performance.now();
      let healthMax = 0;
      let latencyMax = 0;
      const during = ledger.latencies.length;
      while (performance.now() - heldAt < HOLD_MS) {
        const h = await send(app.base, { method: "GET", path: "/healthz", timeoutMs: 3000, agent: false });
        healthMax = Math.max(healthMax, h.ms);
        await sleep(100);
      }
      latencyMax = Math.max(...ledger.latencies.slice(during), 0);
      await load;
      const counted = await settle(ledger, s.records);
      const r = ledgerRow("SQLite lock held 4 s", "sqlite", ledger, counted, app.peakRssMb());
      expectThat(r, ledger.count(503) > 0, `${ledger.count(503)} answers were 503 while the lock was held`);
      expectThat(r, latencyMax < 1500, `slowest answer while the lock was held: ${latencyMax.toFixed(0)} ms`);
      expectThat(r, healthMax < 500, `/healthz answered within ${healthMax.toFixed(0)} ms throughout`);
      return [r];
    } finally {
      await killAll();
    }
  },
};
