import type { MetricValueWithName } from "prom-client";
import type { Metrics } from "../observability/metrics.js";
import { type Buckets, countOf, emptyBuckets, sum } from "./histogram.js";

export type HandlerOutcome = "ok" | "error" | "timeout";

/** A route's handler runs since start: counts by outcome and their latency, all outcomes together. */
export interface RouteReading {
  outcomes: Record<HandlerOutcome, number>;
  latency: Buckets;
}

/** Every counter the dashboard charts, as they stood at `t` (cumulative since the process started). */
export interface Reading {
  /** ms since the epoch. */
  t: number;
  /** By outcome ("accepted", "duplicate", "rejected", "unavailable", ...). */
  requests: Map<string, number>;
  rejectedByReason: Map<string, number>;
  ack: Buckets;
  /** group -> result -> count. */
  deliveries: Map<string, Map<string, number>>;
  handlers: Map<string, RouteReading>;
  /** Groups with a worker in this process, and what it holds now. */
  inFlight: Map<string, number>;
  deadLettered: number;
}

type Values = MetricValueWithName<string>[];

const add = (map: Map<string, number>, key: string, n: number) => map.set(key, (map.get(key) ?? 0) + n);

/** The finite bucket bounds a histogram's values name, ascending. */
function boundsIn(values: Values): number[] {
  const bounds = new Set<number>();
  for (const v of values)
    if (v.metricName?.endsWith("_bucket") && v.labels.le !== "+Inf") bounds.add(Number(v.labels.le));
  return [...bounds].sort((a, b) => a - b);
}

/** A histogram's bucket values, summed per key of their labels. */
function histogramsBy(
  values: Values,
  keyOf: (labels: Values[number]["labels"]) => string,
): Map<string, Buckets> {
  const bounds = boundsIn(values);
  const index = new Map<number, number>(bounds.map((b, i) => [b, i]));
  const out = new Map<string, Buckets>();
  for (const v of values) {
    if (!v.metricName?.endsWith("_bucket")) continue;
    const key = keyOf(v.labels);
    let b = out.get(key);
    if (!b) {
      b = emptyBuckets(bounds);
      out.set(key, b);
    }
    const le = v.labels.le;
    const i = le === "+Inf" ? bounds.length : index.get(Number(le));
    if (i !== undefined) (b.cumulative as number[])[i]! += v.value;
  }
  return out;
}

/** Per route: its runs counted by outcome, and its latency over all outcomes. */
function routeReadings(values: Values): Map<string, RouteReading> {
  const out = new Map<string, RouteReading>();
  const SEP = "\u0000";
  for (const [key, buckets] of histogramsBy(values, (l) => `${l.route}${SEP}${l.outcome}`)) {
    const [route = "", outcome = ""] = key.split(SEP);
    const r = out.get(route);
    const runs = countOf(buckets);
    const outcomes = { ok: 0, error: 0, timeout: 0, ...r?.outcomes };
    if (outcome === "ok" || outcome === "error" || outcome === "timeout") outcomes[outcome] += runs;
    out.set(route, { outcomes, latency: r ? sum(r.latency, buckets) : buckets });
  }
  return out;
}

/**
 * Reads the in-process metric objects (prom-client's `get()`): no text exposition, no parsing, and
 * nothing the ingress does per request beyond what the metrics already cost.
 */
export async function readMetrics(metrics: Metrics): Promise<Reading> {
  const [requests, ack, handlers, deliveries, inFlight, dead] = await Promise.all([
    metrics.requests.get(),
    metrics.ackSeconds.get(),
    metrics.handlerSeconds.get(),
    metrics.deliveries.get(),
    metrics.inFlight.get(),
    metrics.deadLetters.get(),
  ]);
  const reading: Reading = {
    t: Date.now(),
    requests: new Map(),
    rejectedByReason: new Map(),
    ack: histogramsBy(ack.values, () => "").get("") ?? emptyBuckets([]),
    deliveries: new Map(),
    handlers: routeReadings(handlers.values),
    inFlight: new Map(),
    deadLettered: 0,
  };
  for (const v of requests.values) {
    const outcome = String(v.labels.outcome ?? "");
    add(reading.requests, outcome, v.value);
    if (outcome === "rejected") add(reading.rejectedByReason, String(v.labels.reason ?? ""), v.value);
  }
  for (const v of deliveries.values) {
    const group = String(v.labels.group ?? "");
    let results = reading.deliveries.get(group);
    if (!results) {
      results = new Map();
      reading.deliveries.set(group, results);
    }
    add(results, String(v.labels.result ?? ""), v.value);
  }
  for (const v of inFlight.values) reading.inFlight.set(String(v.labels.group ?? ""), v.value);
  for (const v of dead.values) reading.deadLettered += v.value;
  return reading;
}
