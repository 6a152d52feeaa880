// The Socket Mode case: envelopes/s and ack latency through the socket, beside the HTTP ingress on
// the same backend in the same run (sqlite and redis). A gateway child process per run; the load
// comes from slackline/testing's Socket Mode stand-in in this process, `window` envelopes in flight
// (as HTTP has `window` connections with one request each).
//
// A case of bench/run.ts (`--cases socket`); ctx needs only `backends` and `number(option)`.
// Standalone: node --import tsx bench/cases/socket.ts [--socket-events 20000 --socket-rounds 3 ...]
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { FakeSlack } from "../../src/testing/fake-slack.js";
import { SocketModeServer } from "../../src/testing/socket-mode/index.js";
import { dropRedisKeys, runPrefix } from "../../test/helpers/broker-cleanup.js";
import { tcpReachable } from "../../test/helpers/services.js";
import { drive, makeEvents } from "../lib/load.js";
import { cpuSeconds } from "../lib/proc-stats.js";
import { freePort, ROOT, startGateway } from "../lib/processes.js";
import { load, median, quantile } from "../lib/stats.js";

const SECRET = "bench-signing-secret";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
/** The backends this case measures (of those the run selected). */
const MEASURED = ["sqlite", "redis"];

export interface SocketBenchContext {
  readonly backends: readonly string[];
  number(option: string): number;
}

interface Run {
  eventsPerSecond: number;
  p50: number;
  p99: number;
  /** Not acked (socket) or not 2xx (HTTP). */
  failed: number;
  cpuMicrosPerEvent: number | null;
  /** This process's CPU per event: the load generator (the stand-in, or the raw HTTP client). */
  generatorMicrosPerEvent: number;
}

/** Runs `fn` and adds this process's CPU time per event to what it returns. */
async function withGeneratorCpu<T>(events: number, fn: () => Promise<T>) {
  const before = process.cpuUsage();
  const result = await fn();
  const used = process.cpuUsage(before);
  return { result, generatorMicrosPerEvent: (used.user + used.system) / events };
}

/** `slackline gateway --socket-mode` on a backend, resolved once its connections are open. */
async function startSocketGateway(
  backend: string,
  stand: SocketModeServer,
  slack: FakeSlack,
  connections: number,
  env: Record<string, string>,
): Promise<{ pid: number; stop(): Promise<void> }> {
  const proc: ChildProcess = spawn(
    process.execPath,
    [join(ROOT, "bin/slackline.js"), "gateway", "--socket-mode"],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        QUEUE_BACKEND: backend,
        SLACK_SIGNING_SECRET: "",
        SLACK_APP_TOKEN: stand.appToken,
        SLACK_API_URL: slack.apiUrl,
        SLACK_SOCKET_CONNECTIONS: String(connections),
        SLACKLINE_DATA_DIR: mkdtempSync(join(tmpdir(), "slackline-bench-socket-")),
        PORT: String(await freePort()),
        LOG_LEVEL: "info",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('"msg":"Socket Mode connected"')) resolve();
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.on("exit", (code) => reject(new Error(`socket gateway exited (${code}):\n${out}`)));
  });
  return {
    pid: proc.pid!,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.on("exit", () => resolve());
        proc.kill("SIGTERM");
      }),
  };
}

/** Sends every payload once, `window` unacked at a time; ack latency as the stand-in timed it. */
async function pushEnvelopes(stand: SocketModeServer, payloads: unknown[], window: number) {
  const latencies = new Float64Array(payloads.length);
  let next = 0;
  let acked = 0;
  let failed = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < payloads.length) {
      const i = next++;
      const delivery = stand.event(payloads[i] as Record<string, unknown>, { redeliver: false });
      const ack = await Promise.race([
        delivery.acked,
        new Promise<null>((r) => setTimeout(() => r(null), 10_000).unref()),
      ]);
      if (ack) {
        latencies[acked++] = ack.ms;
      } else failed++;
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.slice(0, acked).sort();
  return {
    eventsPerSecond: acked / seconds,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    failed,
  };
}

async function socketRun(
  backend: string,
  env: Record<string, string>,
  events: number,
  warmup: number,
  window: number,
  connections: number,
): Promise<Run> {
  const slack = await FakeSlack.start();
  const stand = await SocketModeServer.start({ slack, pingIntervalMs: null });
  const gateway = await startSocketGateway(backend, stand, slack, connections, env);
  try {
    await stand.waitForConnections(connections);
    await pushEnvelopes(
      stand,
      makeEvents(warmup).map((b) => JSON.parse(b)),
      window,
    );
    const payloads = makeEvents(events).map((b) => JSON.parse(b));
    const before = cpuSeconds(gateway.pid);
    const { result, generatorMicrosPerEvent } = await withGeneratorCpu(events, () =>
      pushEnvelopes(stand, payloads, window),
    );
    const after = cpuSeconds(gateway.pid);
    const cpu = before === null || after === null ? null : ((after - before) * 1e6) / events;
    return { ...result, cpuMicrosPerEvent: cpu, generatorMicrosPerEvent };
  } finally {
    await gateway.stop();
    await stand.close();
    await slack.close();
  }
}

async function httpRun(
  backend: string,
  env: Record<string, string>,
  events: number,
  warmup: number,
  window: number,
): Promise<Run> {
  const target = await startGateway(backend, SECRET, env);
  try {
    await drive(target.url, SECRET, makeEvents(warmup), window);
    const bodies = makeEvents(events);
    const before = cpuSeconds(target.pid);
    const { result: r, generatorMicrosPerEvent } = await withGeneratorCpu(events, () =>
      drive(target.url, SECRET, bodies, window),
    );
    const after = cpuSeconds(target.pid);
    const cpu = before === null || after === null ? null : ((after - before) * 1e6) / r.total;
    return {
      eventsPerSecond: r.eventsPerSecond,
      p50: r.p50,
      p99: r.p99,
      failed: r.non2xx + r.errors,
      cpuMicrosPerEvent: cpu,
      generatorMicrosPerEvent,
    };
  } finally {
    await target.stop();
  }
}

export const socketCase = {
  name: "socket",
  description:
    "Socket Mode ingress: envelopes/s and ack p50/p99 through the socket, beside the HTTP ingress, on sqlite and redis",
  options: {
    "socket-events": { type: "string", default: "20000" },
    "socket-warmup": { type: "string", default: "3000" },
    "socket-rounds": { type: "string", default: "3" },
    "socket-window": { type: "string", default: "32" },
    "socket-connections": { type: "string", default: "1" },
  } satisfies NonNullable<ParseArgsConfig["options"]>,
  async run(ctx: SocketBenchContext): Promise<void> {
    const events = ctx.number("socket-events");
    if (events <= 0) return;
    const warmup = ctx.number("socket-warmup");
    const rounds = Math.max(1, ctx.number("socket-rounds"));
    const window = ctx.number("socket-window");
    const connections = ctx.number("socket-connections");
    const backends = MEASURED.filter((b) => ctx.backends.includes(b));
    if (backends.length === 0) {
      console.log("\nSocket Mode: skipped (neither sqlite nor redis selected)");
      return;
    }
    console.log(
      `\nSocket Mode vs HTTP ingress (dedup + durable publish, then the ack / the 200), ${events} events per run after ${warmup} warm-up, ${window} in flight, ${connections} socket connection(s), ${rounds} rounds, load ${load()} at start`,
    );
    const targets = backends.flatMap((b) => [`http ${b}`, `socket ${b}`]);
    const runs = new Map<string, Run[]>(targets.map((t) => [t, []]));
    for (let round = 1; round <= rounds; round++) {
      // Alternate the order each round, so neither transport always runs first.
      for (const target of round % 2 ? targets : [...targets].reverse()) {
        const [transport, backend] = target.split(" ") as ["http" | "socket", string];
        const prefix = runPrefix("bench-socket");
        const env = {
          SLACK_EVENTS_TOPIC: `bench_socket_${Date.now()}`,
          ...(backend === "redis" ? { REDIS_URL, REDIS_KEY_PREFIX: prefix } : {}),
        };
        const run =
          transport === "socket"
            ? await socketRun(backend, env, events, warmup, window, connections)
            : await httpRun(backend, env, events, warmup, window);
        if (backend === "redis") await dropRedisKeys(REDIS_URL, prefix).catch(() => {});
        runs.get(target)!.push(run);
        console.log(
          `  round ${round} ${target.padEnd(14)} ${run.eventsPerSecond.toFixed(0).padStart(8)} events/s`,
        );
      }
    }
    const columns = [
      ["target", 14],
      ["events/s", 9],
      ["ack p50 ms", 11],
      ["ack p99 ms", 11],
      ["failed", 7],
      ["gateway CPU µs/event", 21],
      ["generator CPU µs/event", 23],
      ["socket/http events/s", 21],
    ] as const;
    const row = (cells: string[]) =>
      cells.map((c, i) => (i === 0 ? c.padEnd(columns[i]![1]) : c.padStart(columns[i]![1]))).join(" ");
    console.log(`\n${row(columns.map(([title]) => title))}`);
    for (const [target, results] of runs) {
      const med = (pick: (r: Run) => number | null) => {
        const xs = results.flatMap((r) => {
          const x = pick(r);
          return x === null ? [] : [x];
        });
        return xs.length > 0 ? median(xs) : null;
      };
      const [transport, backend] = target.split(" ");
      const http = runs.get(`http ${backend}`)!;
      // Paired per round: a slow spell of the machine hits both transports of a round alike.
      const ratio =
        transport === "socket"
          ? median(results.map((r, i) => r.eventsPerSecond / http[i]!.eventsPerSecond)).toFixed(2)
          : "";
      const cpu = med((r) => r.cpuMicrosPerEvent);
      console.log(
        row([
          target,
          med((r) => r.eventsPerSecond)!.toFixed(0),
          med((r) => r.p50)!.toFixed(2),
          med((r) => r.p99)!.toFixed(2),
          String(results.reduce((n, r) => n + r.failed, 0)),
          cpu === null ? "n/a" : cpu.toFixed(0),
          med((r) => r.generatorMicrosPerEvent)!.toFixed(0),
          ratio,
        ]),
      );
    }
    console.log(`(load ${load()} at the end)`);
  },
};

// Standalone: node --import tsx bench/socket.ts [--only sqlite,redis] [--socket-events N ...]
if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { only: { type: "string", default: MEASURED.join(",") }, ...socketCase.options },
  }) as { values: Record<string, string> };
  const backends: string[] = [];
  for (const b of values.only!.split(",")) {
    if (b === "redis" && !(await tcpReachable("127.0.0.1", Number(new URL(REDIS_URL).port) || 6379))) {
      console.log("skip redis: nothing answers");
      continue;
    }
    backends.push(b);
  }
  await socketCase.run({
    backends,
    number(option) {
      const n = Number(values[option]);
      if (!Number.isFinite(n)) throw new Error(`--${option} wants a number, not "${values[option]}"`);
      return n;
    },
  });
}
