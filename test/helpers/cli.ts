import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const BIN = join(ROOT, "bin/slackline.js");

if (!existsSync(join(ROOT, "dist/cli/main.js"))) {
  throw new Error("dist/ is missing: run `npm run build` first (npm test does it for you)");
}

export const tempDir = (prefix = "slackline-test-") => mkdtempSync(join(tmpdir(), prefix));

export interface Running {
  proc: ChildProcess;
  /** The ingress URL, once the process logged that it listens. */
  url: Promise<string>;
  output(): string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `slackline <args>` as a real child process. */
export function spawnSlackline(
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string } = {},
): Running {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    // Tests read the JSON lines (a --dev child would otherwise log readable ones).
    env: { ...process.env, LOG_LEVEL: "info", LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let resolveUrl!: (url: string) => void;
  let rejectUrl!: (err: Error) => void;
  const url = new Promise<string>((res, rej) => {
    resolveUrl = res;
    rejectUrl = rej;
  });
  url.catch(() => {});
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    const match = /"url":"(http:\/\/[^"]+)\/slack\/events"/.exec(out);
    if (match) resolveUrl(match[1]!);
  };
  proc.stdout!.on("data", onData);
  proc.stderr!.on("data", onData);
  const exited = new Promise<number | null>((res) => {
    proc.on("exit", (code, signal) => {
      rejectUrl(new Error(`slackline exited (${code ?? signal}) before listening:\n${out}`));
      res(code);
    });
  });
  return {
    proc,
    url,
    output: () => out,
    exited,
    kill: async (signal = "SIGTERM") => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** Runs `slackline <args>` to completion. */
export function runSlackline(
  args: string[],
  env: Record<string, string>,
  input?: string,
  options: { cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const proc = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (c) => {
      stdout += c;
    });
    proc.stderr.on("data", (c) => {
      stderr += c;
    });
    proc.stdin.end(input ?? "");
    proc.on("exit", (code) => res({ code, stdout, stderr }));
  });
}

export interface RunRecord {
  route: string;
  id: string;
  attempt: number;
  phase: "run" | "done";
  pid: number;
  tag?: string;
}

export function readRecords(file: string): RunRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RunRecord);
}

export async function eventually<T>(
  read: () => T,
  ok: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
