import { connect, type Socket } from "node:net";
import { Ledger, settle, steadyLoad } from "../lib/load.js";
import { killAll } from "../lib/procs.js";
import { expectThat, ledgerRow } from "../lib/report.js";
import type { Scenario } from "../lib/scenario.js";
import { gateway, stack, worker } from "../lib/stack.js";

const DRIP_MS = 1000;

/** A connection that sends a request head one header line a second, and never finishes it. */
function slowClient(host: string, port: number, closedAfter: number[]): Socket {
  const socket = connect({ host, port });
  const opened = performance.now();
  let timer: NodeJS.Timeout | undefined;
  socket.on("connect", () => {
    socket.write("POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n");
    let n = 0;
    timer = setInterval(() => socket.write(`X-Drip-${n++}: ${"z".repeat(8)}\r\n`), DRIP_MS);
  });
  socket.on("error", () => {});
  socket.resume();
  socket.on("close", () => {
    clearInterval(timer);
    closedAfter.push((performance.now() - opened) / 1000);
  });
  return socket;
}

/**
 * 500 slowloris connections (request heads dripped a line a second) while Slack sends 50 events a
 * second: every event must get through, and the server must close the slow heads at headersTimeout.
 */
export const slowloris: Scenario = {
  name: "slowloris",
  description: "500 slowloris connections while 50 events/s arrive; heads closed at headersTimeout (10 s)",
  async run(ctx) {
    const count = Math.round(500 * ctx.scale);
    const s = stack("sqlite");
    const sockets: Socket[] = [];
    try {
      const gw = await gateway(s);
      await worker(s);
      const { hostname, port } = new URL(gw.base);
      const closedAfter: number[] = [];
      for (let i = 0; i < count; i++) sockets.push(slowClient(hostname, Number(port), closedAfter));
      const ledger = new Ledger();
      await steadyLoad(ledger, () => gw.base, { perSecond: 50, seconds: 13, tag: "Slow" });
      const counted = await settle(ledger, s.records);
      const r = ledgerRow("slowloris", "sqlite", ledger, counted, gw.peakRssMb());
      const sorted = [...closedAfter].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
      expectThat(
        r,
        ledger.count(200) > 0 && ledger.acked.size === Math.round(50 * 13),
        "every event got through",
      );
      expectThat(
        r,
        ledger.maxLatency() < 1000,
        `answers within ${ledger.maxLatency().toFixed(0)} ms at most`,
      );
      expectThat(
        r,
        closedAfter.length === count && median < 12.5,
        `${closedAfter.length} of ${count} slow heads closed by the server, after ${median.toFixed(1)} s (median)`,
      );
      return [r];
    } finally {
      for (const socket of sockets) socket.destroy();
      await killAll();
    }
  },
};
