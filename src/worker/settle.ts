import type { FlowObserver, SettleResult } from "../observability/flow.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { Delivery } from "../queue/types.js";
import { type BackoffOptions, backoffDelay } from "./backoff.js";
import type { Failure } from "./failure.js";
import { skippedAsProcessed, type Task } from "./task.js";

export interface SettlePolicy {
  group: string;
  maxAttempts: number;
  backoff: BackoffOptions;
  metrics: Metrics;
  logger: Logger;
  observer?: FlowObserver | undefined;
}

/** Tells the worker deliveries left its hands; or that one could not be settled (left to its lease). */
export interface SettleCallbacks {
  settled(count: number): void;
  failed(delivery: Delivery, err: unknown): void;
}

/**
 * What becomes of a delivery once its handlers ran: ack when all succeeded; otherwise dead-letter
 * (last attempt, or a handler said it can never succeed) or retry after the backoff (or the delay a
 * handler asked for, or a lock's wait).
 */
export class Settler {
  /** Metric children resolved once: label lookups hash their values on every call. */
  private readonly counted: Record<SettleResult, { inc(by?: number): void }>;

  constructor(private readonly policy: SettlePolicy) {
    const { deliveries } = policy.metrics;
    const group = policy.group;
    this.counted = {
      acked: deliveries.labels(group, "acked"),
      skipped_processed: deliveries.labels(group, "skipped_processed"),
      retried: deliveries.labels(group, "retried"),
      dead_lettered: deliveries.labels(group, "dead_lettered"),
    };
  }

  async settle(task: Task): Promise<void> {
    const { delivery, failures, markersWritten } = task;
    if (failures === null) {
      // Markers never reject; the ack may, so it is awaited first (nothing else is left to observe it).
      await delivery.ack();
      if (markersWritten) await markersWritten;
      this.count("acked", task);
      return;
    }
    // A retry must find the markers of the handlers that succeeded, so they are not run again.
    if (markersWritten) await markersWritten;
    const reason = failures.map((f) => `${f.route}: ${f.error}`).join("; ");
    const unrecoverable = failures.some((f) => f.unrecoverable);
    if (unrecoverable || delivery.attempt >= this.policy.maxAttempts) {
      await this.deadLetter(task, unrecoverable ? `unrecoverable: ${reason}` : reason, unrecoverable);
      return;
    }
    const delay = this.retryDelay(delivery.attempt, failures);
    await delivery.retry(delay, reason);
    this.count("retried", task, reason);
    this.policy.metrics.retries.labels(this.policy.group).inc();
    this.policy.logger.warn(
      { id: delivery.message.id, attempt: delivery.attempt, retry_in_ms: delay, reason },
      "handler failed; will retry",
    );
  }

  /**
   * Acks deliveries whose handlers all succeeded at once, with one reaction per distinct ack promise
   * rather than one per delivery (Redis answers a turn's acks with one XACK and one promise). Each
   * is still counted, logged and settled on its own ack's outcome.
   */
  ackTogether(tasks: readonly Task[], callbacks: SettleCallbacks): void {
    let shared: Promise<void> | undefined;
    let from = 0;
    for (let i = 0; i < tasks.length; i++) {
      let acked: Promise<void>;
      try {
        acked = tasks[i]!.delivery.ack();
      } catch (err) {
        acked = Promise.reject(err);
      }
      if (acked === shared) continue;
      if (shared) this.afterAcks(shared, tasks, from, i, callbacks);
      shared = acked;
      from = i;
    }
    if (shared) this.afterAcks(shared, tasks, from, tasks.length, callbacks);
  }

  /** Once tasks[from, to) are acked: counted, and settled once their markers are written too. */
  private afterAcks(
    acked: Promise<void>,
    tasks: readonly Task[],
    from: number,
    to: number,
    callbacks: SettleCallbacks,
  ): void {
    const count = to - from;
    acked.then(
      () => {
        let skipped = 0;
        let markers: Promise<void> | null = null;
        let moreMarkers: Promise<void>[] | null = null;
        for (let i = from; i < to; i++) {
          const task = tasks[i]!;
          if (skippedAsProcessed(task)) skipped++;
          if (this.policy.observer?.settled)
            this.observe(task, skippedAsProcessed(task) ? "skipped_processed" : "acked");
          if (task.markersWritten === null || task.markersWritten === markers) continue;
          if (markers === null) markers = task.markersWritten;
          else if (moreMarkers === null) moreMarkers = [markers, task.markersWritten];
          else moreMarkers.push(task.markersWritten);
        }
        if (skipped > 0) this.counted.skipped_processed.inc(skipped);
        if (count > skipped) this.counted.acked.inc(count - skipped);
        // Markers never reject.
        if (moreMarkers) void Promise.all(moreMarkers).then(() => callbacks.settled(count));
        else if (markers) void markers.then(() => callbacks.settled(count));
        else callbacks.settled(count);
      },
      (err: unknown) => {
        for (let i = from; i < to; i++) callbacks.failed(tasks[i]!.delivery, err);
        callbacks.settled(count);
      },
    );
  }

  /** The delay before the next attempt: the handler's own request where it made one, else the backoff. */
  private retryDelay(attempt: number, failures: readonly Failure[]): number {
    let requested = 0;
    let backoff = false;
    for (const f of failures) {
      if (f.requestedDelayMs !== undefined) requested = Math.max(requested, f.requestedDelayMs);
      else {
        backoff = true;
        requested = Math.max(requested, f.retryInMs ?? 0);
      }
    }
    return backoff ? Math.max(requested, backoffDelay(attempt, this.policy.backoff)) : requested;
  }

  private async deadLetter(task: Task, reason: string, unrecoverable: boolean): Promise<void> {
    const { delivery } = task;
    await delivery.deadLetter(reason);
    this.count("dead_lettered", task, reason);
    this.policy.metrics.deadLetters.labels(this.policy.group).inc();
    this.policy.logger.error(
      { id: delivery.message.id, attempt: delivery.attempt, reason },
      unrecoverable
        ? "dead-lettered: a handler said it can never succeed"
        : "dead-lettered after the last attempt",
    );
  }

  private count(result: SettleResult, task: Task, error?: string): void {
    this.counted[result].inc();
    this.observe(task, result, error);
  }

  private observe(task: Task, result: SettleResult, error?: string): void {
    const settled = this.policy.observer?.settled;
    if (!settled) return;
    const { delivery } = task;
    settled.call(this.policy.observer, this.policy.group, delivery.message, result, {
      attempt: delivery.attempt,
      routes: task.routes.map((r) => r.name),
      ...(error === undefined ? {} : { error }),
    });
  }
}
