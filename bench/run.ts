// npm run bench [-- --only memory,sqlite,redis,nats,rabbitmq
//   --cases ingress,sqlite-lock,end-to-end,dead-letters,socket,responders,bolt,soak,lambda
//   --rounds 3 --events 20000 --connections 32 --no-bolt --dashboard --lock-events 20000 --e2e-events 20000
//   --e2e-rounds 5 --dlq 10000 --socket-events 20000 --socket-rounds 3 --responder-events N --bolt-events N
//   --bolt-connections 32 --bolt-concurrency 256 --soak-seconds 60 --lambda-events 800 --lambda-concurrency 1,16]
//
// How bench/ is laid out:
// - Each benchmark is a case, a module of its own under bench/cases/ exporting a BenchCase (bench/case.ts):
//   its name, a one-line description, the command-line options it reads, and run(ctx). CASES below
//   lists them in the order they run; `--cases a,b` runs only those. To add one, write
//   bench/cases/<name>.ts and add it to CASES.
// - `--only` picks the queue backends (those whose service does not answer are skipped with a line
//   saying so); ctx.backends is what is left, and every case measures those it applies to.
// - bench/lib/: the load generator (pre-signed requests over raw sockets), child processes (gateway,
//   worker, Bolt, bare server, scripts), CPU and RSS from /proc, statistics and tables, services,
//   per-run topics and their clean-up, the in-process Slackline end-to-end run.
// - bench/servers/: the processes that are not Slackline (bare node:http, Bolt's HTTPReceiver) and the
//   worker's no-op handler module.
// - bench/raw/: raw-client loops (Redis, NATS JetStream, AMQP), the baselines Slackline is compared with.
// - Figures are always ratios to baselines measured in the same run; every table says the load average.
// - BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles every gateway and worker process started.
import { type ParseArgsConfig, parseArgs } from "node:util";
import { BACKENDS, type BenchCase, type BenchContext } from "./case.js";
import { boltCase } from "./cases/bolt.js";
import { deadLettersCase } from "./cases/dead-letters.js";
import { endToEndCase } from "./cases/end-to-end.js";
import { ingressCase } from "./cases/ingress.js";
import { lambdaCase } from "./cases/lambda.js";
import { respondersCase } from "./cases/responders.js";
import { soakCase } from "./cases/soak.js";
import { socketCase } from "./cases/socket.js";
import { sqliteLockCase } from "./cases/sqlite-lock.js";
import { available } from "./lib/services.js";
import { load } from "./lib/stats.js";

const CASES: readonly BenchCase[] = [
  ingressCase,
  sqliteLockCase,
  endToEndCase,
  deadLettersCase,
  socketCase,
  respondersCase,
  boltCase,
  soakCase,
  lambdaCase,
];

const options: ParseArgsConfig["options"] = {
  only: { type: "string", default: BACKENDS.join(",") },
  cases: { type: "string", default: CASES.map((c) => c.name).join(",") },
};
for (const c of CASES) Object.assign(options, c.options);
const values = parseArgs({ options }).values as Record<string, string | boolean | undefined>;

const chosen = new Set(String(values.cases).split(","));
const unknown = [...chosen].filter((name) => !CASES.some((c) => c.name === name));
if (unknown.length > 0)
  throw new Error(`unknown case ${unknown.join(", ")}; cases: ${CASES.map((c) => c.name).join(", ")}`);

const only = new Set(String(values.only).split(","));
const backends: string[] = [];
for (const b of BACKENDS) if (only.has(b) && (await available(b))) backends.push(b);

const ctx: BenchContext = {
  backends,
  values,
  number(option) {
    const n = Number(values[option]);
    if (!Number.isFinite(n)) throw new Error(`--${option} wants a number, not "${values[option]}"`);
    return n;
  },
};

const started = performance.now();
console.log(
  `Slackline benchmark, Node ${process.version}, backends ${backends.join(", ")}, load ${load()} at start`,
);
for (const c of CASES) {
  if (!chosen.has(c.name)) continue;
  await c.run(ctx);
}
console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(0)} s (load ${load()})`);
