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

/** A field of /proc/<pid>/status in MB (the kernel gives kB); null once the process is gone. */
function statusMegabytes(pid: number, field: "VmRSS" | "VmHWM"): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Watches a process's resident memory: samples VmRSS every `everyMs` and reads the kernel's own
 * high-water mark (VmHWM, the peak RSS over the process's life) on stop().
 */
export function watchMemory(pid: number, everyMs = 250) {
  let peakSampled = 0;
  let last = 0;
  const sample = () => {
    const rss = statusMegabytes(pid, "VmRSS");
    if (rss !== null) {
      last = rss;
      peakSampled = Math.max(peakSampled, rss);
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    /** Call while the process still runs: its VmHWM is gone with it. */
    stop(): { peakMb: number; lastMb: number } {
      clearInterval(timer);
      sample();
      const hwm = statusMegabytes(pid, "VmHWM");
      return { peakMb: Math.max(hwm ?? 0, peakSampled), lastMb: last };
    },
  };
}
