import { collectGarbage } from "../../test/helpers/gc.js";
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

/**
 * `concurrency` loops sending `items` one at a time, each awaiting `sendOne` (a publish and its
 * confirm): rate, this process's CPU per item and latency quantiles.
 */
export async function timedPublishLoop<T>(
  items: readonly T[],
  concurrency: number,
  sendOne: (item: T) => Promise<unknown>,
): Promise<PublishLoopResult> {
  const latency = latencyRecorder(items.length);
  let next = 0;
  collectGarbage();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        const sent = performance.now();
        await sendOne(item);
        latency.add(performance.now() - sent);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    eventsPerSecond: items.length / seconds,
    cpuMicrosPerEvent: (used.user + used.system) / items.length,
    ...latency.quantiles(),
  };
}
