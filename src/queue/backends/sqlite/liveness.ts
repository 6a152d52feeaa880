import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/**
 * Who holds a lease, precisely enough that another process on the host can tell it died.
 *
 * `start` is the kernel's start time of the process (Linux: /proc/<pid>/stat, prefixed by the boot id),
 * so a pid reused by another process, or a container restarted with the same pid, is not mistaken for
 * the holder. Where /proc is missing it is null and only `process.kill(pid, 0)` is used.
 */
export interface Holder {
  pid: number;
  host: string;
  start: string | null;
}

const BOOT_ID = readOr("/proc/sys/kernel/random/boot_id")?.trim() ?? null;

export function processStart(pid: number): string | null {
  return readStat(pid)?.start ?? null;
}

/** State letter and start of a live pid on Linux, or null. */
function readStat(pid: number): { state: string; start: string | null } | null {
  const stat = readOr(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // Counted after the ")" that ends the command name, which may hold spaces: state, ..., starttime.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = fields[19];
  return { state: fields[0] ?? "", start: BOOT_ID !== null && ticks ? `${BOOT_ID}:${ticks}` : null };
}

export const SELF: Holder = { pid: process.pid, host: hostname(), start: processStart(process.pid) };

/** True only when the holder is surely gone; when in doubt the lease expiry decides. */
export function holderIsDead(pid: number, start: string | null): boolean {
  if (pid === SELF.pid) return start !== null && SELF.start !== null && start !== SELF.start;
  try {
    process.kill(pid, 0);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ESRCH") return true;
    // EPERM: alive but another user's; look closer below.
    if (code !== "EPERM") return false;
  }
  const stat = readStat(pid);
  if (stat === null) return false;
  // A killed process its parent has not reaped yet still answers kill(pid, 0).
  if (stat.state === "Z" || stat.state === "X") return true;
  // The pid was reused by another process.
  return start !== null && stat.start !== null && stat.start !== start;
}

function readOr(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}
