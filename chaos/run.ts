// npm run chaos [-- --only hostile,flood,... --scale 1 --list --bin <other slackline/bin/slackline.js> --no-dashboard --keep
//   --seed 18 --flood-connections 20600 --flood-hold-seconds 15 --flood-reconnect --flood-fd-limit 4096]
//
// Loopback only; private redis-server instances on their own ports (never the shared one on 6379);
// every process it starts is killed at the end. Each scenario prints its table; the run ends with
// all of them and exits 1 when anything acked was lost (or doubled) outside a documented window,
// or a scenario's expectation did not hold.
import { parseArgs } from "node:util";
import { redisServerBinary } from "../test/queue/redis-server.js";
import { closeAgents } from "./lib/load.js";
import { killAll, useBin } from "./lib/procs.js";
import { load, notes, type Row, table, verdict } from "./lib/report.js";
import type { ChaosContext, Scenario } from "./lib/scenario.js";
import { addServeArgs, removeDataDirs } from "./lib/stack.js";
import { flood } from "./scenarios/flood.js";
import { hostile } from "./scenarios/hostile.js";
import { killGateway, killWorker } from "./scenarios/kill.js";
import { redisFreeze, redisRestart } from "./scenarios/redis.js";
import { retryStorm } from "./scenarios/retry-storm.js";
import { slowloris } from "./scenarios/slowloris.js";
import { sqliteLock } from "./scenarios/sqlite-lock.js";

const SCENARIOS: readonly Scenario[] = [
  hostile,
  flood,
  slowloris,
  retryStorm,
  redisRestart,
  redisFreeze,
  killGateway,
  killWorker,
  sqliteLock,
];

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    scale: { type: "string", default: "1" },
    list: { type: "boolean", default: false },
    bin: { type: "string" },
    seed: { type: "string" },
    "flood-connections": { type: "string" },
    "flood-hold-seconds": { type: "string" },
    "flood-fd-limit": { type: "string" },
    "flood-reconnect": { type: "boolean", default: false },
    "no-dashboard": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});

if (values.list) {
  for (const s of SCENARIOS) console.log(`${s.name.padEnd(14)} ${s.description}`);
  process.exit(0);
}
if (values.bin) useBin(values.bin);
if (values["no-dashboard"]) addServeArgs("--no-dashboard");
const only = values.only ? new Set(values.only.split(",")) : null;
const unknown = only ? [...only].filter((n) => !SCENARIOS.some((s) => s.name === n)) : [];
if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(", ")}; --list shows them`);

const ctx: ChaosContext = {
  scale: Number(values.scale),
  redis: redisServerBinary(),
  values,
  number(option, fallback) {
    const v = values[option as keyof typeof values];
    if (v === undefined || typeof v === "boolean") return fallback;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${option} wants a number, not "${v}"`);
    return n;
  },
};

process.on("SIGINT", () => {
  void killAll().then(() => {
    if (!values.keep) removeDataDirs();
    process.exit(130);
  });
});

const started = performance.now();
console.log(`Slackline chaos suite, Node ${process.version}, scale ${ctx.scale}, load ${load()} at start`);
const all: Row[] = [];
for (const scenario of SCENARIOS) {
  if (only && !only.has(scenario.name)) continue;
  const t0 = performance.now();
  console.log(`\n## ${scenario.name}: ${scenario.description}`);
  let rows: Row[];
  try {
    rows = await scenario.run(ctx);
  } catch (err) {
    await killAll();
    rows = [
      {
        scenario: scenario.name,
        backend: "-",
        requests: 0,
        statuses: "",
        acked: 0,
        handled: 0,
        lost: 0,
        doubled: 0,
        peakRssMb: 0,
        window: null,
        notes: [`FAILED: the scenario itself failed: ${(err as Error).stack ?? err}`],
        failures: ["scenario error"],
      },
    ];
  }
  closeAgents();
  all.push(...rows);
  console.log(table(rows));
  console.log(notes(rows));
  console.log(`(${((performance.now() - t0) / 1000).toFixed(0)} s, load ${load()})`);
}

if (!values.keep) removeDataDirs();
const seconds = ((performance.now() - started) / 1000).toFixed(0);
console.log(`\n## All scenarios (${seconds} s, load ${load()} at the end)\n`);
console.log(table(all));
const failed = all.filter((r) => verdict(r) === "FAIL");
if (failed.length > 0) {
  console.log(`\n${failed.length} scenario row(s) FAILED:`);
  console.log(notes(failed));
  process.exit(1);
}
console.log("\nNothing acked was lost or doubled outside a documented window.");
process.exit(0);
