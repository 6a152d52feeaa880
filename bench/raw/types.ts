import { quantile } from "../lib/stats.js";

/** What a raw loop measured. */
export interface LoopResult {
  eventsPerSecond: number;
  /** The process's CPU time (publisher and consumer together) per event. */
  cpuMicrosPerEvent: number;
}

export interface PublishLoopResult extends LoopResult {
  p50: number;
  p99: number;
}

/** Latencies in milliseconds, kept in a preallocated array so recording costs no allocation. */
export function latencyRecorder(capacity: number) {
  const values = new Float64Array(capacity);
  let n = 0;
  return {
    add(ms: number) {
      if (n < capacity) values[n++] = ms;
    },
    quantiles() {
      const sorted = values.slice(0, n).sort();
      return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
    },
  };
}
