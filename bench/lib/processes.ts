import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../../test/helpers/free-port.js";

export { freePort };

export const ROOT = resolve(import.meta.dirname, "../..");

/**
 * Extra node options for every Slackline process the benchmark starts (gateway, worker), for example
 * BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them: each writes its profile
 * when the benchmark stops it.
 */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? process.env.BENCH_GATEWAY_NODE_ARGS ?? "")
  .split(" ")
  .filter(Boolean);

/** A child process the benchmark started. */
export interface Child {
  /** Its process id, to read its CPU time and memory from /proc. */
  pid: number;
  /** SIGTERM, and resolves once it exited. */
  stop(): Promise<void>;
}

export interface Target extends Child {
  url: string;
  /** The gateway's SLACKLINE_DATA_DIR (gateways only). */
  dataDir: string;
}

function spawnChild(args: string[], env: Record<string, string>): { proc: ChildProcess; child: Child } {
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const child: Child = {
    pid: proc.pid!,
    stop: () =>
      new Promise((res) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return res();
        proc.on("exit", () => res());
        proc.kill("SIGTERM");
      }),
  };
  return { proc, child };
}

/** Starts a server process and resolves once it printed its URL. */
async function startServer(args: string[], env: Record<string, string>): Promise<Target> {
  const port = await freePort();
  const { proc, child } = spawnChild(args, { ...env, PORT: String(port) });
  let out = "";
  const url = await new Promise<string>((res, rej) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+\/slack\/events)"/.exec(out);
      if (match) res(match[1]!);
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.on("exit", (code) => rej(new Error(`server exited (${code}) before listening:\n${out}`)));
  });
  // Keep reading, or a chatty child blocks on a full pipe.
  proc.stdout!.resume();
  proc.stderr!.resume();
  return { ...child, url, dataDir: env.SLACKLINE_DATA_DIR ?? "" };
}

/** The baseline: node:http reading the body and answering 200. */
export const startBare = () => startServer([join(ROOT, "bench/servers/bare-server.mjs")], {});

/** The peer: Bolt's HTTPReceiver with a no-op listener (`env` as bench/servers/bolt-server.mjs reads it). */
export const startBolt = (secret: string, env: Record<string, string> = {}) =>
  startServer([join(ROOT, "bench/servers/bolt-server.mjs")], { ...env, SLACK_SIGNING_SECRET: secret });

/** `slackline gateway` on `backend`, in a data directory and on a topic of its own unless `extraEnv` names them. */
export function startGateway(
  backend: string,
  secret: string,
  extraEnv: Record<string, string> = {},
  gatewayArgs: string[] = [],
): Promise<Target> {
  return startSlackline("gateway", backend, secret, extraEnv, gatewayArgs);
}

/** `slackline gateway` or `slackline start` (ingress and worker in one process), as startGateway says. */
export function startSlackline(
  command: "gateway" | "start",
  backend: string,
  secret: string,
  extraEnv: Record<string, string> = {},
  args: string[] = [],
): Promise<Target> {
  return startServer([...NODE_ARGS, join(ROOT, "bin/slackline.js"), command, ...args], {
    QUEUE_BACKEND: backend,
    SLACK_SIGNING_SECRET: secret,
    SLACKLINE_DATA_DIR: mkdtempSync(join(tmpdir(), "slackline-bench-")),
    SLACK_EVENTS_TOPIC: `bench_${Date.now()}`,
    LOG_LEVEL: "info",
    ...extraEnv,
  });
}

/** `slackline worker` with the no-op handlers of bench/servers/noop-handlers.mjs. */
export function startWorker(env: Record<string, string>, group: string, concurrency: number): Child {
  const { proc, child } = spawnChild(
    [
      ...NODE_ARGS,
      join(ROOT, "bin/slackline.js"),
      "worker",
      "--handlers",
      join(ROOT, "bench/servers/noop-handlers.mjs"),
      "--group",
      group,
      "--concurrency",
      String(concurrency),
    ],
    { LOG_LEVEL: "warn", SLACK_SIGNING_SECRET: "unused", ...env },
  );
  proc.stdout!.resume();
  proc.stderr!.resume();
  return child;
}

/** Runs a TypeScript module in a process of its own and resolves with the JSON of its last output line. */
export async function runScript<T>(script: string, args: string[]): Promise<T> {
  const { proc } = spawnChild(["--import", "tsx", join(ROOT, script), ...args], {});
  let out = "";
  let err = "";
  proc.stdout!.on("data", (c: Buffer) => {
    out += c.toString();
  });
  proc.stderr!.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const code = await new Promise<number | null>((res) => proc.on("exit", res));
  const last = out.trim().split("\n").at(-1) ?? "";
  if (code !== 0) throw new Error(`${script} exited with ${code}:\n${err || out}`);
  return JSON.parse(last) as T;
}
