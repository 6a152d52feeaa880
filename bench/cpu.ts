import { readFileSync } from "node:fs";

/**
 * CPU seconds (user + system) a process has used so far, from /proc; null where there is no /proc.
 * CPU per request moves much less than events/s on a shared machine, so the tables print both.
 */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start with the state, field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticksPerSecond = 100;
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return null;
  }
}
