import { eventBody, eventId, Ledger, send, settle, signedHeaders } from "../lib/load.js";
import { killAll } from "../lib/procs.js";
import { expectThat, ledgerRow } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";
import { gateway, privateRedis, stack, worker } from "../lib/stack.js";

const COPIES = 5;

/**
 * Slack's retries, all at once: every event sent 5 times (retry numbers 0-4) to each of two gateways
 * that share a Redis, concurrently. Each must be queued once and handled once.
 */
export const retryStorm: Scenario = {
  name: "retry-storm",
  description: "200 events x 5 retries x 2 gateways sharing Redis, all at once: each handled once",
  async run(ctx) {
    if (!ctx.redis) return [];
    const events = Math.round(200 * ctx.scale);
    const redis = await privateRedis(false);
    try {
      const s = stack("redis", redis);
      const [a, b] = await Promise.all([gateway(s, "gateway-a"), gateway(s, "gateway-b")]);
      await worker(s);
      const ledger = new Ledger();
      const sends: Promise<void>[] = [];
      for (let i = 0; i < events; i++) {
        const id = eventId("Storm");
        const body = eventBody(id);
        for (const gw of [a!, b!]) {
          for (let retry = 0; retry < COPIES; retry++) {
            const headers = signedHeaders(body);
            if (retry > 0) {
              headers["x-slack-retry-num"] = String(retry);
              headers["x-slack-retry-reason"] = "http_timeout";
            }
            sends.push(send(gw.base, { headers, body }).then((answer) => ledger.note(id, answer)));
          }
        }
      }
      await Promise.all(sends);
      const counted = await settle(ledger, s.records);
      const r = ledgerRow(
        "retry storm, 2 gateways",
        "redis",
        ledger,
        counted,
        Math.max(a!.peakRssMb(), b!.peakRssMb()),
      );
      expectThat(r, ledger.acked.size === events, `all ${events} events acked`);
      expectThat(r, counted.handled === events, `each of the ${events} events handled`);
      return [r];
    } finally {
      await killAll();
      await redis.destroy();
    }
  },
};
