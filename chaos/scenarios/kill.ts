import { freePort } from "../../test/helpers/free-port.js";
import type { PrivateRedis } from "../../test/queue/redis-server.js";
import { Ledger, settle, sleep, steadyLoad } from "../lib/load.js";
import { killAll, type Proc } from "../lib/procs.js";
import { expectThat, ledgerRow, type Row } from "../lib/report.js";
import type { ChaosContext, Scenario } from "../lib/scenario.js";
import { gateway, privateRedis, type Stack, stack, worker } from "../lib/stack.js";

const BACKENDS = ["sqlite", "redis"] as const;

async function forEachBackend(ctx: ChaosContext, run: (s: Stack) => Promise<Row>): Promise<Row[]> {
  const rows: Row[] = [];
  for (const backend of BACKENDS) {
    if (backend === "redis" && !ctx.redis) continue;
    const redis: PrivateRedis | undefined = backend === "redis" ? await privateRedis(true) : undefined;
    try {
      rows.push(await run(stack(backend, redis)));
    } finally {
      await killAll();
      await redis?.destroy();
    }
  }
  return rows;
}

function result(
  name: string,
  s: Stack,
  ledger: Ledger,
  counted: Awaited<ReturnType<typeof settle>>,
  procs: Proc[],
  window: Row["window"],
): Row {
  return ledgerRow(name, s.backend, ledger, counted, Math.max(...procs.map((p) => p.peakRssMb())), {
    window,
  });
}

/**
 * kill -9 of the gateway under 100 events/s, and a new one on the same port a second later. Slack's
 * retries of what got no answer land on the new one: everything acked is handled, once.
 */
export const killGateway: Scenario = {
  name: "kill-gateway",
  description: "kill -9 of a gateway under load (sqlite, redis), restarted on its port",
  run: (ctx) =>
    forEachBackend(ctx, async (s) => {
      const port = String(await freePort());
      const first = await gateway(s, "gateway", { PORT: port });
      const wk = await worker(s);
      const url = first.base;
      const ledger = new Ledger();
      const load = steadyLoad(ledger, () => url, { perSecond: 100, seconds: 10, tag: "KillGw" });
      await sleep(3000);
      await first.kill("SIGKILL");
      await sleep(1000);
      const second = await gateway(s, "gateway-2", { PORT: port });
      await load;
      const counted = await settle(ledger, s.records);
      const r = result("kill -9 gateway", s, ledger, counted, [first, second, wk], null);
      expectThat(r, first.peakRssMb() > 0, "the gateway was killed mid-load and a new one took its port");
      expectThat(
        r,
        ledger.acked.size === 1000,
        `${ledger.acked.size} of 1000 events acked (Slack's retries)`,
      );
      return r;
    }),
};

/**
 * kill -9 of the worker while its handlers run (each takes 200 ms), a new one a second later: every
 * acked event is handled; one whose handler had finished but whose marker was not yet written may
 * run twice (the documented marker window).
 */
export const killWorker: Scenario = {
  name: "kill-worker",
  description: "kill -9 of a worker mid-handler (sqlite, redis), restarted",
  run: (ctx) =>
    forEachBackend(ctx, async (s) => {
      const gw = await gateway(s);
      const slow = { CHAOS_HANDLER_MS: "200" };
      const first = await worker(s, "worker", slow);
      const ledger = new Ledger();
      const load = steadyLoad(ledger, () => gw.base, { perSecond: 50, seconds: 10, tag: "KillWk" });
      await sleep(3000);
      await first.kill("SIGKILL");
      await sleep(1000);
      const second = await worker(s, "worker-2", slow);
      await load;
      const counted = await settle(ledger, s.records, 30_000);
      const r = result("kill -9 worker mid-handler", s, ledger, counted, [gw, first, second], "marker");
      expectThat(r, ledger.acked.size === 500, `${ledger.acked.size} of 500 events acked`);
      return r;
    }),
};
