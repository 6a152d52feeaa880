import { eventBody, eventId, Ledger, send, settle, signedHeaders, sleep } from "../lib/load.js";
import { helper, killAll, type Proc } from "../lib/procs.js";
import { expectThat, ledgerRow } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";
import { gateway, stack, worker } from "../lib/stack.js";

const PROBE_EVERY_MS = 100;
/** After the hold, probing goes on until a probe succeeds, at most this long (a baseline may take minutes). */
const MAX_PROBE_SECONDS = 180;
/** Each flooder process holds at most this many connections (its own open-file limit is 20,000 here). */
const PER_FLOODER = 10_300;

/** A metric's value from the ops listener, or null when it cannot be read (an older build, a flooded port). */
async function metric(ops: string | null, name: string): Promise<number | null> {
  if (!ops) return null;
  const res = await fetch(`${ops}/metrics`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
  if (!res?.ok) return null;
  const line = (await res.text()).split("\n").find((l) => l.startsWith(`${name}{listener="slack"}`));
  return line ? Number(line.split(" ").pop()) : null;
}

/**
 * Many thousands of TCP connections that never send a byte, past the gateway's open-file limit, held
 * by helper processes. A signed request on a connection of its own is sent every 100 ms: how long
 * after the flood is in place does one succeed? (`--bin` runs an older build for a baseline.)
 */
export const flood: Scenario = {
  name: "flood",
  description:
    "20,600 silent connections against slackline gateway (ulimit -n 4096): time until a signed request succeeds",
  async run(ctx) {
    const connections = ctx.number("flood-connections", Math.round(20_600 * ctx.scale));
    const holdSeconds = ctx.number("flood-hold-seconds", 15);
    const fdLimit = ctx.number("flood-fd-limit", 4096);
    const mode = ctx.values["flood-reconnect"] ? "reconnect" : "hold";
    const s = stack("sqlite");
    const flooders: Proc[] = [];
    try {
      const gw = await gateway(s, "gateway", { OPS_PORT: "0" }, { fdLimit });
      const ops = /"ops":"(http:\/\/[^"]+)"/.exec(gw.output())?.[1] ?? null;
      await worker(s);
      const ledger = new Ledger();
      const probe = async () => {
        const id = eventId("Flood");
        const body = eventBody(id);
        const answer = await send(gw.base, {
          headers: signedHeaders(body),
          body,
          agent: false,
          timeoutMs: 1000,
        });
        ledger.note(id, answer);
        return answer.status === 200;
      };
      const before = await probe();

      const { hostname, port } = new URL(gw.base);
      const processes = Math.ceil(connections / PER_FLOODER);
      for (let i = 0; i < processes; i++) {
        const n = Math.ceil(connections / processes);
        flooders.push(helper(`flooder${i}`, "flooder.ts", [hostname, port, String(n), mode], /ready (\d+)/));
      }
      const held = (await Promise.all(flooders.map((f) => f.url))).reduce((a, n) => a + Number(n), 0);
      const saturated = performance.now();
      const elapsed = () => (performance.now() - saturated) / 1000;

      let firstOk: number | null = null;
      let failedProbes = 0;
      while (elapsed() < holdSeconds || (firstOk === null && elapsed() < MAX_PROBE_SECONDS)) {
        const t = elapsed();
        if (await probe()) firstOk ??= t;
        else if (firstOk === null) failedProbes++;
        await sleep(PROBE_EVERY_MS);
      }
      const refused = await metric(ops, "slackline_connections_refused_total");
      const shed = await metric(ops, "slackline_connections_shed_total");
      for (const f of flooders) await f.kill("SIGTERM");
      const after = await probe();

      const counted = await settle(ledger, s.records);
      const r = ledgerRow(`silent-connection flood (${mode})`, "sqlite", ledger, counted, gw.peakRssMb());
      r.notes.push(
        `${connections} connections tried, ${held} connected at first, gateway open files at most ${gw.peakFds()} (limit ${fdLimit})`,
      );
      if (refused !== null) r.notes.push(`${refused} refused at the limit, ${shed} request-less ones shed`);
      expectThat(r, before, "a probe before the flood succeeds");
      expectThat(
        r,
        firstOk !== null && firstOk < 5,
        firstOk === null
          ? `no signed request succeeded within ${MAX_PROBE_SECONDS} s of the flood`
          : `first signed request through ${firstOk.toFixed(1)} s after the flood was in place (${failedProbes} probes failed before)`,
      );
      expectThat(r, after, "a probe after the flood succeeds");
      return [r];
    } finally {
      await killAll();
    }
  },
};
