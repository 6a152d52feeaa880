import { performance } from "node:perf_hooks";
import { withDeadline } from "../deadline.js";
import { errorMessage } from "../errors.js";
import type { QueueBackend, QueueStats } from "../queue/types.js";
import type { HealthView, QueueFigures } from "./api-types.js";

export const UNKNOWN_QUEUE: QueueFigures = {
  depth: null,
  oldestAgeMs: null,
  oldestKnown: false,
  note: "not read yet",
  readAt: null,
};

const finiteOrNull = (n: unknown): number | null => (typeof n === "number" && Number.isFinite(n) ? n : null);

/**
 * What `backend.stats()` said, with what it could not tell left unknown: a backend may throw, or
 * give null (or nothing) for a field. An age of null with messages waiting is unknown, not "none".
 */
export function queueFigures(stats: QueueStats | null | undefined, readAt: number): QueueFigures {
  const depth = finiteOrNull(stats?.depth);
  const oldestAgeMs = finiteOrNull(stats?.oldestAgeMs);
  const partial = typeof stats?.partial === "string" ? stats.partial : null;
  return {
    depth,
    oldestAgeMs,
    oldestKnown: oldestAgeMs !== null || depth === 0,
    note: depth === null ? (partial ?? "the backend does not tell") : partial,
    readAt,
  };
}

export async function readQueueFigures(
  backend: QueueBackend,
  topic: string,
  group: string,
  timeoutMs: number,
): Promise<QueueFigures> {
  try {
    return queueFigures(await withDeadline(backend.stats(topic, group), timeoutMs, "stats"), Date.now());
  } catch (err) {
    return { ...UNKNOWN_QUEUE, note: `the backend could not tell: ${errorMessage(err)}`, readAt: Date.now() };
  }
}

/** Runs a check (readiness, the dedup store) and says how it went and how long it took. */
export async function checkHealth(check: () => Promise<unknown>, timeoutMs: number): Promise<HealthView> {
  const started = performance.now();
  try {
    await withDeadline(Promise.resolve().then(check), timeoutMs, "check");
    return { ok: true, detail: "ok", latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (err) {
    return {
      ok: false,
      detail: errorMessage(err),
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
    };
  }
}

export const NOT_CHECKED: HealthView = { ok: null, detail: "not checked yet", latencyMs: null };
