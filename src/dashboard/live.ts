import type { DedupStore } from "../dedup/types.js";
import type { Metrics } from "../observability/metrics.js";
import type { QueueBackend } from "../queue/types.js";
import type { LiveState, Overview, SeriesPoint, Snapshot } from "./api-types.js";
import { MetricsSampler } from "./sampler.js";
import { StatusPoller } from "./status.js";

export interface LiveInfo {
  version: string;
  /** The backend's name as shown. */
  backend: string;
  startedAt: number;
  /** Readiness, as /readyz sees it (rejects when not ready). */
  ready: () => Promise<unknown>;
  /** What this process runs beside the dashboard (default "standalone"). */
  mode?: Overview["mode"];
}

export interface LiveOptions {
  backend: QueueBackend;
  topic: string;
  groups: readonly string[];
  metrics: Metrics;
  dedup: DedupStore | null;
  info: LiveInfo;
  sampleIntervalMs?: number;
  statusIntervalMs?: number;
}

/**
 * What the page shows live, put together: this process's metrics (sampled every second) and what
 * the backend and dedup store say (polled while someone watches).
 */
export class LiveView {
  readonly sampler: MetricsSampler;
  readonly status: StatusPoller;

  constructor(private readonly o: LiveOptions) {
    this.sampler = new MetricsSampler(o.metrics, { intervalMs: o.sampleIntervalMs ?? 1000 });
    this.status = new StatusPoller({
      backend: o.backend,
      topic: o.topic,
      groups: () => this.groups(),
      ready: o.info.ready,
      dedup: o.dedup,
      intervalMs: o.statusIntervalMs ?? 2000,
    });
  }

  /** The groups asked for, and those whose workers settled something in this process. */
  groups(): string[] {
    return [...new Set([...this.o.groups, ...this.sampler.groupsSeen()])];
  }

  /** Dead-lettered by this process's workers since start. */
  deadLettered(): number {
    return this.sampler.latest()?.deadLettered ?? 0;
  }

  overview(): Overview {
    const { info, backend, topic } = this.o;
    const reading = this.sampler.latest();
    const { readiness, dedup } = this.status.health();
    return {
      version: info.version,
      backend: info.backend,
      durable: backend.durable,
      topic,
      mode: info.mode ?? "standalone",
      startedAt: info.startedAt,
      now: Date.now(),
      readiness,
      dedup: { ...dedup, store: this.o.dedup?.name ?? backend.name },
      totals: {
        requests: Object.fromEntries(reading?.requests ?? []),
        rejectedByReason: Object.fromEntries(reading?.rejectedByReason ?? []),
        deadLettered: reading?.deadLettered ?? 0,
      },
    };
  }

  state(point: SeriesPoint | null): LiveState {
    return {
      point,
      overview: this.overview(),
      groups: this.groups().map((g) => this.sampler.group(g, this.status.queue(g))),
      routes: this.sampler.routes(),
    };
  }

  snapshot(): Snapshot {
    return { ...this.state(this.sampler.latestPoint()), series: this.sampler.series() };
  }

  start(): void {
    this.sampler.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.sampler.stop(), this.status.stop()]);
  }
}
