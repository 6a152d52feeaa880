import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrivateRedis } from "../../test/queue/redis-server.js";
import { SECRET } from "./load.js";
import { type Proc, slackline, waitForOutput } from "./procs.js";

/** Where one scenario's processes keep their data, and what they are configured with. */
export interface Stack {
  backend: "sqlite" | "redis";
  dataDir: string;
  /** chaos/handlers.ts appends here. */
  records: string;
  redis?: PrivateRedis;
  env: Record<string, string>;
}

const dataDirs: string[] = [];

/** Removes every scenario's data dir (the end of the run; `--keep` keeps them to look at). */
export function removeDataDirs(): void {
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function stack(
  backend: Stack["backend"],
  redis?: PrivateRedis,
  env: Record<string, string> = {},
): Stack {
  const dataDir = mkdtempSync(join(tmpdir(), "slackline-chaos-"));
  dataDirs.push(dataDir);
  const records = join(dataDir, "handled.log");
  return {
    backend,
    dataDir,
    records,
    ...(redis ? { redis } : {}),
    env: {
      SLACK_SIGNING_SECRET: SECRET,
      SLACKLINE_DATA_DIR: dataDir,
      QUEUE_BACKEND: backend,
      CHAOS_RECORD_FILE: records,
      RETRY_BASE_MS: "100",
      RETRY_CAP_MS: "1000",
      LEASE_MS: "5000",
      LOG_LEVEL: "warn",
      PORT: "0",
      ...(redis ? { REDIS_URL: redis.url } : {}),
      ...env,
    },
  };
}

/** A private redis-server of the scenario's own (never the machine's shared one on 6379). */
export async function privateRedis(persistent: boolean): Promise<PrivateRedis> {
  const redis = new PrivateRedis({ persistent });
  await redis.start();
  return redis;
}

const HANDLERS = "chaos/handlers.ts";
/** Flags every `start` and `gateway` gets (`--no-dashboard` from the command line). */
const serveArgs: string[] = [];
export const addServeArgs = (...args: string[]) => {
  serveArgs.push(...args);
};

export async function gateway(
  s: Stack,
  name = "gateway",
  env: Record<string, string> = {},
  options: { fdLimit?: number } = {},
): Promise<Proc & { base: string }> {
  // LOG_LEVEL info for the gateway: its "ingress listening" line carries the URL.
  const proc = slackline(name, ["gateway", ...serveArgs], { ...s.env, LOG_LEVEL: "info", ...env }, options);
  return Object.assign(proc, { base: await proc.url });
}

export async function worker(s: Stack, name = "worker", env: Record<string, string> = {}): Promise<Proc> {
  const proc = slackline(name, ["worker", "--handlers", HANDLERS, "--concurrency", "32"], {
    ...s.env,
    LOG_LEVEL: "info",
    ...env,
  });
  await waitForOutput(proc, /worker consuming/);
  return proc;
}

/** `slackline start`: ingress and worker in one process. */
export async function start(s: Stack, env: Record<string, string> = {}): Promise<Proc & { base: string }> {
  const proc = slackline("start", ["start", "--handlers", HANDLERS, "--concurrency", "32", ...serveArgs], {
    ...s.env,
    LOG_LEVEL: "info",
    ...env,
  });
  return Object.assign(proc, { base: await proc.url });
}
