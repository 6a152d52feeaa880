import type { Metrics } from "../observability/metrics.js";
import type { GroupView, QueueFigures, RouteView, SeriesPoint } from "./api-types.js";
import { between, countOf, quantile } from "./histogram.js";
import { type Reading, readMetrics } from "./readings.js";
import { Ring } from "./ring.js";

export interface SamplerOptions {
  /** Default 1000 ms. */
  intervalMs?: number;
  /** Chart points kept (default 600: ten minutes at one a second). */
  history?: number;
  /** Readings kept for the per-minute figures (default 61: one minute at one a second). */
  window?: number;
}

const FAILED = ["retried", "dead_lettered"];

const delta = (later: Map<string, number>, earlier: Map<string, number> | undefined, key: string) =>
  Math.max(0, (later.get(key) ?? 0) - (earlier?.get(key) ?? 0));

const total = (results: Map<string, number> | undefined, only?: readonly string[]) => {
  let n = 0;
  for (const [result, count] of results ?? []) if (!only || only.includes(result)) n += count;
  return n;
};

const ms = (seconds: number | null) => (seconds === null ? null : Math.round(seconds * 100_000) / 100);
const perSecond = (n: number, seconds: number) => (seconds > 0 ? Math.round((n / seconds) * 100) / 100 : 0);

/**
 * Reads this process's Metrics once a second (a timer; nothing on the request path) and keeps a chart
 * point per second for the last minutes, plus the readings of the last minute for per-minute figures.
 */
export class MetricsSampler {
  private readonly points: Ring<SeriesPoint>;
  private readonly readings: Ring<Reading>;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | null = null;
  private readonly listeners = new Set<(point: SeriesPoint) => void>();

  constructor(
    private readonly metrics: Metrics,
    options: SamplerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.points = new Ring(options.history ?? 600);
    this.readings = new Ring(options.window ?? 61);
  }

  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.reading;
  }

  /** Called with each new point, once a second. */
  onPoint(listener: (point: SeriesPoint) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes a reading now (the timer does this; tests call it to step time themselves). */
  sample(): Promise<void> {
    // A slow read (a stalled event loop) is not stacked on.
    this.reading ??= readMetrics(this.metrics)
      .then((reading) => this.add(reading))
      .finally(() => {
        this.reading = null;
      });
    return this.reading;
  }

  private add(reading: Reading): void {
    const previous = this.readings.newest();
    this.readings.push(reading);
    if (!previous) return;
    const point = pointBetween(previous, reading);
    this.points.push(point);
    for (const listener of this.listeners) listener(point);
  }

  series(): SeriesPoint[] {
    return this.points.toArray();
  }

  latestPoint(): SeriesPoint | null {
    return this.points.newest() ?? null;
  }

  latest(): Reading | undefined {
    return this.readings.newest();
  }

  /** Groups that have a worker in this process or settled something in it. */
  groupsSeen(): string[] {
    const now = this.readings.newest();
    if (!now) return [];
    return [...new Set([...now.inFlight.keys(), ...now.deliveries.keys()])];
  }

  /** A group's figures: the queue's from the backend, the rest from this process's workers. */
  group(group: string, queue: QueueFigures): GroupView {
    const now = this.readings.newest();
    const then = this.readings.at(0);
    const seconds = now && then ? (now.t - then.t) / 1000 : 0;
    const results = now?.deliveries.get(group);
    const before = now === then ? undefined : then?.deliveries.get(group);
    return {
      group,
      queue,
      inFlight: now?.inFlight.get(group) ?? null,
      handledPerSecond: perSecond(total(results) - total(before), seconds),
      failuresLastMinute: total(results, FAILED) - total(before, FAILED),
      deadLetteredLastMinute: total(results, ["dead_lettered"]) - total(before, ["dead_lettered"]),
    };
  }

  /** Each route's handler figures over the last minute (this process's workers). */
  routes(): RouteView[] {
    const now = this.readings.newest();
    const then = this.readings.at(0);
    if (!now) return [];
    const seconds = then && then !== now ? (now.t - then.t) / 1000 : 0;
    const out: RouteView[] = [];
    for (const [route, r] of now.handlers) {
      const before = then === now ? undefined : then?.handlers.get(route);
      const latency = between(before?.latency, r.latency);
      const runs = countOf(latency);
      out.push({
        route,
        runsPerSecond: perSecond(runs, seconds),
        p50Ms: ms(quantile(latency, 0.5)),
        p99Ms: ms(quantile(latency, 0.99)),
        errorsLastMinute: r.outcomes.error - (before?.outcomes.error ?? 0),
        timeoutsLastMinute: r.outcomes.timeout - (before?.outcomes.timeout ?? 0),
        runsTotal: r.outcomes.ok + r.outcomes.error + r.outcomes.timeout,
        failuresTotal: r.outcomes.error + r.outcomes.timeout,
      });
    }
    return out.sort((a, b) => a.route.localeCompare(b.route));
  }
}

/** One chart point: what happened between two readings, per second. */
export function pointBetween(earlier: Reading, later: Reading): SeriesPoint {
  const seconds = Math.max(0.001, (later.t - earlier.t) / 1000);
  let rejected = 0;
  for (const reason of later.rejectedByReason.keys())
    rejected += delta(later.rejectedByReason, earlier.rejectedByReason, reason);
  let handled = 0;
  let failed = 0;
  for (const [group, results] of later.deliveries) {
    const before = earlier.deliveries.get(group);
    handled += total(results) - total(before);
    failed += total(results, FAILED) - total(before, FAILED);
  }
  const ack = between(earlier.ack, later.ack);
  return {
    t: later.t / 1000,
    accepted: perSecond(delta(later.requests, earlier.requests, "accepted"), seconds),
    duplicate: perSecond(delta(later.requests, earlier.requests, "duplicate"), seconds),
    rejected: perSecond(rejected, seconds),
    unavailable: perSecond(delta(later.requests, earlier.requests, "unavailable"), seconds),
    ackP50: ms(quantile(ack, 0.5)),
    ackP99: ms(quantile(ack, 0.99)),
    handled: perSecond(Math.max(0, handled), seconds),
    failed: perSecond(Math.max(0, failed), seconds),
  };
}
