import { Ledger, send, settle } from "../lib/load.js";
import { killAll } from "../lib/procs.js";
import { expectThat, ledgerRow, type Row } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";
import { stack, start } from "../lib/stack.js";
import { hostileCase, prng } from "./hostile-cases.js";

const CONCURRENCY = 32;

/**
 * 10,000 hostile requests against `slackline start` on SQLite: random bytes, deep nesting, huge
 * fields and headers, bad encodings, every signature fault, wrong methods and paths, malformed HTTP,
 * with valid events mixed in. Each must get its documented answer; only the valid events are queued,
 * each handled once; the process stays up and answers /healthz.
 */
export const hostile: Scenario = {
  name: "hostile",
  description: "10,000 hostile requests (random bytes, nesting, huge fields, encodings, signature faults)",
  async run(ctx) {
    const total = Math.round(10_000 * ctx.scale);
    const seed = ctx.number("seed", 18);
    const rand = prng(seed);
    const s = stack("sqlite");
    const app = await start(s);
    const ledger = new Ledger();
    const wrong = new Map<string, Map<string, number>>();
    let next = 0;
    try {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < total) {
            next++;
            const c = hostileCase(rand);
            const answer = await c.send(app.base);
            ledger.note(c.id, answer);
            if (!c.expect.includes(answer.status)) {
              const byStatus = wrong.get(c.category) ?? new Map<string, number>();
              byStatus.set(String(answer.status), (byStatus.get(String(answer.status)) ?? 0) + 1);
              wrong.set(c.category, byStatus);
            }
          }
        }),
      );
      const health = await send(app.base, { method: "GET", path: "/healthz" });
      const counted = await settle(ledger, s.records);
      const r: Row = ledgerRow("hostile requests", "sqlite", ledger, counted, app.peakRssMb());
      r.notes.push(`seed ${seed}`);
      const surprises = [...wrong].map(
        ([category, byStatus]) =>
          `${category}: ${[...byStatus].map(([status, n]) => `${status} x${n}`).join(", ")}`,
      );
      expectThat(
        r,
        surprises.length === 0,
        surprises.length
          ? `unexpected answers: ${surprises.join("; ")}`
          : "every request got its documented answer",
      );
      expectThat(r, ![...ledger.statuses.keys()].some((k) => k.startsWith("5")), "no 5xx");
      expectThat(
        r,
        counted.unexpected === 0,
        `nothing but the valid events was queued (${counted.unexpected} others)`,
      );
      expectThat(r, health.status === 200, "the process is up and answers /healthz");
      return [r];
    } finally {
      await killAll();
    }
  },
};
