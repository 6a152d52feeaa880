import type { WebClient } from "@slack/web-api";
import type { DedupStore } from "../dedup/types.js";
import type { Router } from "../handlers/router.js";
import type { FlowObserver } from "../observability/flow.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { QueueBackend } from "../queue/types.js";
import { type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.js";
import { batchesOf, ConsumeLoop } from "./consume-loop.js";
import { Flight } from "./flight.js";
import type { HandlerInvoker } from "./invoke.js";
import type { LeaseKeeper } from "./leases.js";
import type { RouteLock } from "./locks.js";
import { processingParts } from "./parts.js";
import type { DeliveryProcessor } from "./processor.js";

export interface WorkerOptions {
  backend: QueueBackend;
  topic: string;
  group: string;
  consumer?: string;
  router: Router;
  /** Holds the processed-markers of this group. */
  markers: DedupStore;
  metrics: Metrics;
  logger: Logger;
  client?: WebClient;
  /** Deliveries whose handlers run at once; as many more may be waiting for their ack (or retry) to be answered. */
  concurrency?: number;
  handlerTimeoutMs?: number;
  maxAttempts?: number;
  backoff?: BackoffOptions;
  leaseMs?: number;
  /** How long a processed-marker is kept (a redelivery or DLQ replay later than this re-runs the handler). */
  processedTtlSeconds?: number;
  locks?: Readonly<Record<string, RouteLock>>;
  observer?: FlowObserver;
  /** Level of the one line logged per event type that no route matched (default debug; `--dev`: info). */
  unroutedLogLevel?: "info" | "debug";
}

export const WORKER_DEFAULTS = {
  concurrency: 16,
  handlerTimeoutMs: 30_000,
  maxAttempts: 5,
  leaseMs: 30_000,
  processedTtlSeconds: 7 * 24 * 3600,
  drainMs: 30_000,
};

/**
 * Consumes one topic in one consumer group: routes each envelope to its handlers, acks once all of
 * them succeeded, retries the failed ones with backoff, dead-letters after the last attempt.
 *
 * The parts: a consume loop takes batches while there is room in flight; the processor looks up a
 * batch's processed-markers, runs each delivery's handlers through the invoker (timeouts, abort
 * signals, metrics; route locks where a route claims one) and hands it to the settler (ack, retry
 * with backoff, dead letter); the lease keeper keeps long handlers' leases alive.
 */
export class Worker {
  private readonly options: WorkerOptions & typeof WORKER_DEFAULTS & { backoff: BackoffOptions };
  private readonly leasing = new AbortController();
  private readonly flight: Flight;
  private readonly leases: LeaseKeeper;
  private readonly invoker: HandlerInvoker;
  private readonly processor: DeliveryProcessor;
  private loop: ConsumeLoop | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(options: WorkerOptions) {
    const o = { ...WORKER_DEFAULTS, backoff: DEFAULT_BACKOFF, ...options };
    this.options = o;
    this.flight = new Flight(o.concurrency);
    const parts = processingParts(o, this.flight);
    this.invoker = parts.invoker;
    this.leases = parts.leases;
    this.processor = parts.processor;
  }

  /** Starts consuming; resolves once the worker has stopped. */
  start(): Promise<void> {
    this.running ??= this.run();
    return this.running;
  }

  /**
   * Graceful stop: lease nothing new, let in-flight deliveries finish until `drainMs`, then hand the
   * rest back to the group (they are redelivered; their processed-markers stop double effects).
   */
  async stop(drainMs = WORKER_DEFAULTS.drainMs): Promise<void> {
    this.stopping = true;
    this.loop?.stop();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, drainMs);
    });
    await Promise.race([this.flight.idle(), deadline]);
    clearTimeout(timer);
    this.invoker.abortAll();
    this.leasing.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const { backend, topic, group, consumer, concurrency, leaseMs } = this.options;
    const batches = batchesOf(backend, topic, {
      group,
      signal: this.leasing.signal,
      leaseMs,
      prefetch: concurrency,
      ...(consumer ? { consumer } : {}),
    });
    this.loop = new ConsumeLoop(batches, this.flight, (batch) => void this.processor.process(batch));
    if (this.stopping) this.loop.stop();
    this.leases.start();
    const untrack = this.options.metrics.trackInFlight(group, () => this.flight.unsettledCount);
    try {
      await this.loop.run();
    } finally {
      // stop() aborts leasing once its drain is over; only then is what is left handed back. Leases
      // are kept until then: a handler still draining must not lose its delivery to another consumer.
      if (this.stopping && !this.leasing.signal.aborted) {
        await new Promise<void>((resolve) => this.leasing.signal.addEventListener("abort", () => resolve()));
      }
      this.leases.stop();
      untrack();
      await batches.return?.();
    }
  }
}
