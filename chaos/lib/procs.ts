import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
/** The slackline under test: this checkout's build, or another's (`--bin`, to measure a baseline). */
let slacklineBin = join(ROOT, "bin/slackline.js");
export const useBin = (path: string) => {
  slacklineBin = resolve(path);
};

/** Every process a scenario started: killed at the end whatever happened. */
const alive = new Set<Proc>();

export interface Proc {
  name: string;
  pid: number;
  /** The Slack-facing URL (…/slack/events stripped), once logged. */
  url: Promise<string>;
  output(): string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** The highest VmHWM (peak resident set) seen, in MiB. */
  peakRssMb(): number;
  /** Open file descriptors, the highest seen. */
  peakFds(): number;
}

function readHwmMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function countFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** Runs a node program; `fdLimit` lowers its open-file limit (ulimit -n) first. */
export function spawnNode(
  name: string,
  args: string[],
  env: Record<string, string>,
  options: { fdLimit?: number; urlPattern?: RegExp } = {},
): Proc {
  const command = options.fdLimit
    ? spawn("sh", ["-c", `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, process.execPath, ...args], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      })
    : spawn(process.execPath, args, {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
  return track(name, command, options.urlPattern ?? /"url":"(http:\/\/[^"]+)\/slack\/events"/);
}

function track(name: string, child: ChildProcess, urlPattern: RegExp): Proc {
  let out = "";
  let resolveUrl!: (url: string) => void;
  let rejectUrl!: (err: Error) => void;
  const url = new Promise<string>((res, rej) => {
    resolveUrl = res;
    rejectUrl = rej;
  });
  url.catch(() => {});
  const onData = (chunk: Buffer) => {
    // Keep the start of the output (where URLs and warnings are) and not all of a long run's.
    if (out.length < 2_000_000) out += chunk.toString();
    const match = urlPattern.exec(out);
    if (match) resolveUrl(match[1]!);
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  let peakRss = 0;
  let peakFd = 0;
  const pid = child.pid!;
  const sample = () => {
    peakRss = Math.max(peakRss, readHwmMb(pid));
    peakFd = Math.max(peakFd, countFds(pid));
  };
  const sampler = setInterval(sample, 250);
  sampler.unref();
  const exited = new Promise<number | null>((res) => {
    child.on("exit", (code) => {
      clearInterval(sampler);
      alive.delete(proc);
      rejectUrl(
        new Error(`${name} exited (${code ?? child.signalCode}) before listening:\n${out.slice(-4000)}`),
      );
      res(code);
    });
  });
  const proc: Proc = {
    name,
    pid,
    url,
    output: () => out,
    exited,
    kill: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) {
        sample();
        child.kill(signal);
      }
      await exited;
    },
    peakRssMb: () => {
      if (child.exitCode === null && child.signalCode === null) sample();
      return peakRss;
    },
    peakFds: () => peakFd,
  };
  alive.add(proc);
  return proc;
}

/** `slackline <args>` (this checkout's, or --bin's). */
export function slackline(
  name: string,
  args: string[],
  env: Record<string, string>,
  options: { fdLimit?: number } = {},
): Proc {
  return spawnNode(name, [slacklineBin, ...args], { LOG_LEVEL: "info", ...env }, options);
}

/** A TypeScript helper of the chaos suite (flooder, lock holder) in its own process. */
export function helper(name: string, script: string, args: string[], urlPattern = /^ready/m): Proc {
  return spawnNode(name, ["--import", "tsx", join(ROOT, "chaos", script), ...args], {}, { urlPattern });
}

/** Kills whatever is still running (SIGKILL): the end of a scenario, or of the run. */
export async function killAll(): Promise<void> {
  await Promise.all([...alive].map((p) => p.kill("SIGKILL")));
}

/** Resolves with the first output line of `proc` matching `pattern`. */
export async function waitForOutput(proc: Proc, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(proc.output());
    if (match) return match[0];
    if (Date.now() > deadline) throw new Error(`${proc.name} printed no ${pattern} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
