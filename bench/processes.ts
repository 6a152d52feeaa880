import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..");

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => res(port));
    });
    server.on("error", rej);
  });
}

export interface Target {
  url: string;
  /** The gateway's SLACKLINE_DATA_DIR (gateways only). */
  dataDir: string;
  /** The server's process id, to read its CPU time. */
  pid: number;
  stop(): Promise<void>;
}

/** Starts a server process and resolves once it printed its URL. */
async function startProcess(args: string[], env: Record<string, string>): Promise<Target> {
  const dataDir = env.SLACKLINE_DATA_DIR ?? "";
  const port = await freePort();
  const proc: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
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
  return {
    url,
    dataDir,
    pid: proc.pid!,
    stop: () =>
      new Promise((res) => {
        if (proc.exitCode !== null) return res();
        proc.on("exit", () => res());
        proc.kill("SIGTERM");
      }),
  };
}

export const startBare = () => startProcess([join(ROOT, "bench/bare-server.mjs")], {});

export function startGateway(
  backend: string,
  secret: string,
  extraEnv: Record<string, string> = {},
  gatewayArgs: string[] = [],
): Promise<Target> {
  // BENCH_GATEWAY_NODE_ARGS, for example "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the gateway.
  const nodeArgs = process.env.BENCH_GATEWAY_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  return startProcess([...nodeArgs, join(ROOT, "bin/slackline.js"), "gateway", ...gatewayArgs], {
    QUEUE_BACKEND: backend,
    SLACK_SIGNING_SECRET: secret,
    SLACKLINE_DATA_DIR: mkdtempSync(join(tmpdir(), "slackline-bench-")),
    SLACK_EVENTS_TOPIC: `bench_${Date.now()}`,
    LOG_LEVEL: "info",
    ...extraEnv,
  });
}
