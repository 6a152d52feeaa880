import type { PrivateRedis } from "../../test/queue/redis-server.js";
import { Ledger, settle, sleep, steadyLoad } from "../lib/load.js";
import { killAll } from "../lib/procs.js";
import { expectThat, ledgerRow, type Row } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";
import { gateway, privateRedis, stack, worker } from "../lib/stack.js";

const RATE = 100;
const SECONDS = 12;

/** A gateway and a worker on a private Redis under steady load while `disturb` runs. */
async function underLoad(
  name: string,
  redis: PrivateRedis,
  disturb: () => Promise<void>,
  window: Row["window"],
): Promise<Row> {
  const s = stack("redis", redis);
  const gw = await gateway(s);
  const wk = await worker(s);
  const ledger = new Ledger();
  const load = steadyLoad(ledger, () => gw.base, { perSecond: RATE, seconds: SECONDS, tag: "Redis" });
  await disturb();
  await load;
  // What a Redis without persistence lost stays lost: no point waiting long for it.
  const counted = await settle(ledger, s.records, window === "no-persistence" ? 5000 : 30_000);
  const r = ledgerRow(name, "redis", ledger, counted, Math.max(gw.peakRssMb(), wk.peakRssMb()), { window });
  expectThat(
    r,
    ledger.count(503) > 0,
    `${ledger.count(503)} answers were 503 (Slack retries them); slowest answer ${ledger.maxLatency().toFixed(0)} ms`,
  );
  expectThat(
    r,
    ledger.acked.size > RATE * SECONDS * 0.8,
    `${ledger.acked.size} of ${RATE * SECONDS} events acked in the end`,
  );
  return r;
}

/** kill -9 of Redis for 2 s under load: with AOF (appendfsync always) nothing acked may be lost; without, the documented window. */
export const redisRestart: Scenario = {
  name: "redis-restart",
  description: "Redis killed -9 and restarted under 100 events/s, with AOF and without persistence",
  async run(ctx) {
    if (!ctx.redis) return [];
    const rows: Row[] = [];
    for (const persistent of [true, false]) {
      const redis = await privateRedis(persistent);
      try {
        rows.push(
          await underLoad(
            persistent ? "Redis restart (AOF always)" : "Redis restart (no persistence)",
            redis,
            async () => {
              await sleep(4000);
              await redis.kill();
              await sleep(2000);
              await redis.start();
            },
            persistent ? "marker" : "no-persistence",
          ),
        );
      } finally {
        await killAll();
        await redis.destroy();
      }
    }
    return rows;
  },
};

/** SIGSTOP of Redis for 4 s under load (connections stay open, nothing answers), then SIGCONT. */
export const redisFreeze: Scenario = {
  name: "redis-freeze",
  description: "Redis frozen (SIGSTOP) for 4 s under 100 events/s, then thawed",
  async run(ctx) {
    if (!ctx.redis) return [];
    const redis = await privateRedis(true);
    try {
      return [
        await underLoad(
          "Redis freeze 4 s (SIGSTOP)",
          redis,
          async () => {
            await sleep(4000);
            redis.freeze();
            await sleep(4000);
            redis.thaw();
          },
          "marker",
        ),
      ];
    } finally {
      await killAll();
      await redis.destroy();
    }
  },
};
