import type { WebClient } from "@slack/web-api";
import { type DedupStore, NONE_MARKED } from "../dedup/types.js";
import type { HandlerContext } from "../handlers/context.js";
import { payloadOf, type Route, type Router } from "../handlers/router.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { ConsumeOptions, Delivery, QueueBackend } from "../queue/types.js";
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
import { Invocation } from "./invocation.js";
import type { RouteLock } from "./locks.js";
import { MarkerWriter } from "./marker-writer.js";

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
}

export const WORKER_DEFAULTS = {
  concurrency: 16,
  handlerTimeoutMs: 30_000,
  maxAttempts: 5,
  leaseMs: 30_000,
  processedTtlSeconds: 7 * 24 * 3600,
  drainMs: 30_000,
};

interface Failure {
  route: string;
  error: string;
  /** A lock said "held elsewhere": wait at least this long before looking again. */
  retryInMs?: number;
}

/** A delivery in the worker's hands: the routes it matched, their markers, what running them did. */
interface Task {
  delivery: Delivery;
  routes: readonly Route[];
  /** The processed-marker key of each route. */
  keys: string[];
  /** Handlers run (the others had a processed-marker). */
  ran: number;
  failures: Failure[] | null;
  /** Processed-markers of the handlers that succeeded, on their way (those of one turn share a promise). */
  marks: Promise<void> | null;
}

const nothing = (): void => {};

/** The backend's batches where it has them; otherwise each delivery is a batch of one. */
function batchesOf(
  backend: QueueBackend,
  topic: string,
  options: ConsumeOptions,
): AsyncIterator<readonly Delivery[]> {
  if (backend.consumeBatches) return backend.consumeBatches(topic, options)[Symbol.asyncIterator]();
  const deliveries = backend.consume(topic, options)[Symbol.asyncIterator]();
  return {
    next: () =>
      deliveries
        .next()
        .then((r): IteratorResult<readonly Delivery[]> => (r.done ? r : { done: false, value: [r.value] })),
    return: async () => {
      await deliveries.return?.();
      return { done: true, value: undefined };
    },
  };
}

const errorText = (err: unknown): string =>
  err instanceof Error ? `${err.name}: ${err.message}` : typeof err === "string" ? err : JSON.stringify(err);

type HandlerOutcome = "ok" | "error" | "timeout";

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null)?.then === "function";

class HandlerTimeoutError extends Error {
  constructor(route: string, ms: number) {
    super(`handler for ${route} timed out after ${ms} ms`);
    this.name = "HandlerTimeoutError";
  }
}

/**
 * Consumes one topic in one consumer group: routes each envelope to its handlers, acks once all of
 * them succeeded, retries the failed ones with backoff, dead-letters after the last attempt.
 */
export class Worker {
  private readonly o: Required<Omit<WorkerOptions, "consumer" | "client" | "locks">> & WorkerOptions;
  private readonly leasing = new AbortController();
  /** One per running handler: aborted on its timeout, or all at once when the drain deadline passes. */
  private readonly invocations = new Set<Invocation>();
  private hardStop = false;
  private readonly hardStopped = () => this.hardStop;
  /** Deliveries taken and not yet settled (handlers running, or their ack on its way). */
  private inFlight = 0;
  /** stop() calls waiting for `inFlight` to be back to 0. */
  private readonly drainWaiters: Array<() => void> = [];
  /** Deliveries whose handlers have not finished yet: what `concurrency` limits. */
  private handling = 0;
  /** Deliveries whose handlers are running: one timer keeps all their leases alive. */
  private readonly holding = new Set<Delivery>();
  private heartbeat: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopRequested = false;
  /** Wakes run() from whatever it awaits (a free slot, the next delivery), so stop() is seen at once. */
  private wake: (() => void) | null = null;
  /** Wakes run() waiting for a free slot. */
  private slotFreed: (() => void) | null = null;
  /** Metric children resolved once: label lookups hash their values on every call. */
  private readonly counted: Record<
    "acked" | "skipped_processed" | "retried" | "dead_lettered",
    { inc(by?: number): void }
  >;
  /** Writes the processed-markers of each turn in one call. */
  private readonly marks: MarkerWriter;
  private readonly handlerTimers = new Map<string, Record<HandlerOutcome, { observe(v: number): void }>>();

  constructor(options: WorkerOptions) {
    this.o = {
      concurrency: WORKER_DEFAULTS.concurrency,
      handlerTimeoutMs: WORKER_DEFAULTS.handlerTimeoutMs,
      maxAttempts: WORKER_DEFAULTS.maxAttempts,
      backoff: DEFAULT_BACKOFF,
      leaseMs: WORKER_DEFAULTS.leaseMs,
      processedTtlSeconds: WORKER_DEFAULTS.processedTtlSeconds,
      ...options,
    };
    this.marks = new MarkerWriter(this.o.markers, this.o.processedTtlSeconds, (keys, err) => {
      this.o.logger.warn(
        { markers: keys, err: errorText(err) },
        "processed-markers not written: a redelivery of these events would run their handlers again",
      );
    });
    const { deliveries } = this.o.metrics;
    const group = this.o.group;
    this.counted = {
      acked: deliveries.labels(group, "acked"),
      skipped_processed: deliveries.labels(group, "skipped_processed"),
      retried: deliveries.labels(group, "retried"),
      dead_lettered: deliveries.labels(group, "dead_lettered"),
    };
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
    this.stopRequested = true;
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, drainMs);
    });
    const idle = new Promise<void>((resolve) => {
      if (this.inFlight === 0) resolve();
      else this.drainWaiters.push(resolve);
    });
    await Promise.race([idle, deadline]);
    clearTimeout(timer);
    this.hardStop = true;
    for (const invocation of this.invocations) invocation.abort();
    this.leasing.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const { backend, topic, group, consumer, concurrency, leaseMs } = this.o;
    const iterator = batchesOf(backend, topic, {
      group,
      signal: this.leasing.signal,
      leaseMs,
      prefetch: concurrency,
      ...(consumer ? { consumer } : {}),
    });
    this.heartbeat = setInterval(
      () => {
        for (const delivery of this.holding) void delivery.extend().catch(() => {});
      },
      Math.max(100, leaseMs / 3),
    );
    this.heartbeat.unref();
    const untrack = this.o.metrics.trackInFlight(group, () => this.inFlight);
    try {
      while (!this.stopRequested) {
        // One waiter at a time, woken by a finishing task or by stop(): racing every wait against a
        // long-lived "stopped" promise would leave a reaction on it per delivery, growing forever.
        if (this.handling >= concurrency || this.inFlight >= 2 * concurrency) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
            this.slotFreed = resolve;
          });
          this.wake = null;
          this.slotFreed = null;
          continue;
        }
        const next = await new Promise<IteratorResult<readonly Delivery[]> | null>((resolve, reject) => {
          this.wake = () => resolve(null);
          iterator.next().then(resolve, reject);
        });
        this.wake = null;
        if (next === null || next.done) break;
        // The backend leases at most `concurrency` unsettled deliveries: a batch always fits.
        this.handling += next.value.length;
        this.inFlight += next.value.length;
        void this.processBatch(next.value);
      }
    } finally {
      // stop() aborts leasing once its drain is over; only then is what is left handed back. The
      // heartbeat runs until then: a handler still draining must not lose its lease to another consumer.
      if (this.stopRequested && !this.leasing.signal.aborted) {
        await new Promise<void>((resolve) => this.leasing.signal.addEventListener("abort", () => resolve()));
      }
      clearInterval(this.heartbeat);
      untrack();
      await iterator.return?.();
    }
  }

  /** The handlers of a delivery are done; its ack (or retry) may still be on its way. */
  private handled(): void {
    this.handling--;
    this.slotFreed?.();
  }

  /** Deliveries taken together: their processed-markers are looked up in one call. Never rejects. */
  private async processBatch(batch: readonly Delivery[]): Promise<void> {
    const { group, markers } = this.o;
    const tasks: Task[] = new Array(batch.length);
    const keys: string[] = [];
    for (let i = 0; i < batch.length; i++) {
      const delivery = batch[i]!;
      const routes = this.o.router.match(delivery.message);
      const task: Task = {
        delivery,
        routes,
        keys: new Array(routes.length),
        ran: 0,
        failures: null,
        marks: null,
      };
      for (let r = 0; r < routes.length; r++) {
        task.keys[r] = `done:${group}:${delivery.message.id}:${routes[r]!.id}`;
        keys.push(task.keys[r]!);
      }
      tasks[i] = task;
    }
    let already: ReadonlySet<string>;
    try {
      already = keys.length === 0 ? NONE_MARKED : await markers.marked(keys);
    } catch (err) {
      // Left unsettled: the lease runs out and the group gets them again.
      for (const { delivery } of tasks) this.unexpected(delivery, err);
      return;
    }
    const succeeded: Task[] = [];
    for (const task of tasks) this.process(task, already, succeeded);
    if (succeeded.length > 0) this.ackTogether(succeeded);
  }

  /**
   * One delivery from its markers known to its handlers done; never throws. One whose handlers all
   * succeeded at once (or had none to run) joins `succeeded`, acked with the rest of its batch.
   */
  private process(task: Task, already: ReadonlySet<string>, succeeded: Task[]): void {
    let ran: Task | Promise<Task>;
    try {
      ran = this.runHandlers(task, already);
    } catch (err) {
      this.unexpected(task.delivery, err);
      return;
    }
    if (ran instanceof Promise) ran.then(this.settleHandled, (err) => this.unexpected(task.delivery, err));
    else if (ran.failures === null) succeeded.push(ran);
    else this.settleHandled(ran);
  }

  /**
   * Acks deliveries whose handlers all succeeded at once, with one reaction per distinct ack promise
   * rather than one per delivery (Redis answers a turn's acks with one XACK and one promise). Each
   * is still counted, logged and taken out of flight on its own ack's outcome.
   */
  private ackTogether(tasks: readonly Task[]): void {
    this.handling -= tasks.length;
    this.slotFreed?.();
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
      if (shared) this.afterAcks(shared, tasks, from, i);
      shared = acked;
      from = i;
    }
    if (shared) this.afterAcks(shared, tasks, from, tasks.length);
  }

  /** Once tasks[from, to) are acked: counted, and out of flight once their markers are written too. */
  private afterAcks(acked: Promise<void>, tasks: readonly Task[], from: number, to: number): void {
    const count = to - from;
    acked.then(
      () => {
        let skipped = 0;
        let marks: Promise<void> | null = null;
        let moreMarks: Promise<void>[] | null = null;
        for (let i = from; i < to; i++) {
          const task = tasks[i]!;
          if (task.ran === 0 && task.routes.length > 0) skipped++;
          if (task.marks === null || task.marks === marks) continue;
          if (marks === null) marks = task.marks;
          else if (moreMarks === null) moreMarks = [marks, task.marks];
          else moreMarks.push(task.marks);
        }
        if (skipped > 0) this.counted.skipped_processed.inc(skipped);
        if (count > skipped) this.counted.acked.inc(count - skipped);
        // Marks never reject.
        if (moreMarks) void Promise.all(moreMarks).then(() => this.finished(count));
        else if (marks) void marks.then(() => this.finished(count));
        else this.finished(count);
      },
      (err: unknown) => {
        for (let i = from; i < to; i++) this.logFailure(tasks[i]!.delivery, err);
        this.finished(count);
      },
    );
  }

  /** Its handlers are done, so its slot is free; it stays in flight until its ack (or retry) is answered. */
  private readonly settleHandled = (task: Task): void => {
    this.handled();
    this.settle(task).then(this.finishedOne, (err: unknown) => {
      this.logFailure(task.delivery, err);
      this.finished();
    });
  };

  /** Logs a delivery that could not be handled and gives back its slot; it is left to its lease. */
  private unexpected(delivery: Delivery, err: unknown): void {
    this.logFailure(delivery, err);
    this.handled();
    this.finished();
  }

  /** One line per delivery whose handling or settling threw where nothing else could catch it. */
  private logFailure(delivery: Delivery, err: unknown): void {
    this.o.logger.error({ err: errorText(err), id: delivery.message.id }, "delivery failed unexpectedly");
  }

  private readonly finishedOne = (): void => this.finished();

  /** Deliveries are settled (or given up on): the drain waits for none of them any more. */
  private readonly finished = (count = 1): void => {
    this.inFlight -= count;
    if (this.inFlight === 0) for (const resolve of this.drainWaiters.splice(0)) resolve();
    this.slotFreed?.();
  };

  /**
   * Runs the handlers a delivery still needs (those without a processed-marker), one after another;
   * synchronous when every handler is. Once it is done the slot is free for the next delivery, so a
   * round trip to the queue does not stand between one batch's handlers and the next's.
   */
  private runHandlers(task: Task, already: ReadonlySet<string>): Task | Promise<Task> {
    for (let i = 0; i < task.routes.length; i++) {
      if (already.has(task.keys[i]!)) continue;
      task.ran++;
      const running = this.runRoute(task, i);
      if (running instanceof Promise) return this.finishHandlers(task, already, running, i);
      this.record(task, i, running);
    }
    return task;
  }

  /** The rest of runHandlers() once a handler turned out to be asynchronous. */
  private async finishHandlers(
    task: Task,
    already: ReadonlySet<string>,
    running: Promise<Failure | null>,
    at: number,
  ): Promise<Task> {
    // Its lease is kept alive from here on; a synchronous handler cannot outlive a lease (no timer
    // fires while it runs), so deliveries whose handlers all are need no place in `holding`.
    this.holding.add(task.delivery);
    try {
      this.record(task, at, await running);
      for (let i = at + 1; i < task.routes.length; i++) {
        if (already.has(task.keys[i]!)) continue;
        task.ran++;
        const next = this.runRoute(task, i);
        this.record(task, i, next instanceof Promise ? await next : next);
      }
      return task;
    } finally {
      this.holding.delete(task.delivery);
    }
  }

  private runRoute(task: Task, i: number): Failure | null | Promise<Failure | null> {
    const route = task.routes[i]!;
    return route.claim
      ? this.runLocked(route, route.claim, task.delivery)
      : this.invoke(route, task.delivery);
  }

  /**
   * A handler's outcome. A success writes its processed-marker (never rejects). The marker only
   * matters if this delivery comes again (a failed ack, a crash, a duplicate copy), so it is sent
   * alongside the ack rather than awaited before it; a retry, though, waits for it, so the handlers
   * that succeeded are skipped next time.
   */
  private record(task: Task, i: number, failure: Failure | null): void {
    if (failure) {
      task.failures ??= [];
      task.failures.push(failure);
    } else {
      const mark = this.marks.add(task.keys[i]!);
      // The markers of one turn share a promise; an async handler's may be of a later turn.
      task.marks =
        task.marks === null || task.marks === mark ? mark : Promise.all([task.marks, mark]).then(nothing);
    }
  }

  /** Acks (or retries, or dead-letters) a delivery whose handlers ran and finished asynchronously or failed. */
  private async settle({ delivery, failures, marks }: Task): Promise<void> {
    const { metrics, group, logger } = this.o;
    const envelope = delivery.message;
    if (failures === null) {
      // Marks never reject; the ack may, so it is awaited first (nothing else is left to observe it).
      await delivery.ack();
      if (marks) await marks;
      this.counted.acked.inc();
      return;
    }
    if (marks) await marks;
    const reason = failures.map((f) => `${f.route}: ${f.error}`).join("; ");
    if (delivery.attempt >= this.o.maxAttempts) {
      await delivery.deadLetter(reason);
      this.counted.dead_lettered.inc();
      metrics.deadLetters.labels(group).inc();
      logger.error(
        { id: envelope.id, attempt: delivery.attempt, reason },
        "dead-lettered after the last attempt",
      );
      return;
    }
    const lockWait = Math.max(0, ...failures.map((f) => f.retryInMs ?? 0));
    const delay = Math.max(lockWait, backoffDelay(delivery.attempt, this.o.backoff));
    await delivery.retry(delay, reason);
    this.counted.retried.inc();
    metrics.retries.labels(group).inc();
    logger.warn(
      { id: envelope.id, attempt: delivery.attempt, retry_in_ms: delay, reason },
      "handler failed; will retry",
    );
  }

  /** Runs a handler behind its route lock (`claim`); null on success or when another instance did it. */
  private async runLocked(route: Route, claim: string, delivery: Delivery): Promise<Failure | null> {
    const lock = this.o.locks?.[claim];
    if (!lock) return { route: route.name, error: `no lock named "${claim}" is configured` };
    try {
      const got = await lock.acquire(delivery.message, route.id);
      if (got.status === "done") return null;
      if (got.status === "held")
        return { route: route.name, error: "held by another instance", retryInMs: got.retryInMs };
      const failure = await this.invoke(route, delivery);
      if (failure) await got.release().catch(() => {});
      else await got.done();
      return failure;
    } catch (err) {
      return { route: route.name, error: `lock ${claim}: ${errorText(err)}` };
    }
  }

  private handlerTimer(route: string): Record<HandlerOutcome, { observe(v: number): void }> {
    let timers = this.handlerTimers.get(route);
    if (!timers) {
      const h = this.o.metrics.handlerSeconds;
      timers = {
        ok: h.labels(route, "ok"),
        error: h.labels(route, "error"),
        timeout: h.labels(route, "timeout"),
      };
      this.handlerTimers.set(route, timers);
    }
    return timers;
  }

  /** Runs one handler; synchronous handlers settle without a promise. */
  private invoke(route: Route, delivery: Delivery): Failure | null | Promise<Failure | null> {
    const envelope = delivery.message;
    const timeoutMs = route.timeoutMs ?? this.o.handlerTimeoutMs;
    const invocation = new Invocation(
      envelope,
      delivery.attempt,
      route.name,
      this.o.client,
      this.o.logger,
      this.hardStopped,
    );
    const started = performance.now();
    let result: unknown;
    try {
      result = (route.handler as (p: unknown, c: HandlerContext) => unknown)(payloadOf(envelope), invocation);
    } catch (err) {
      return this.failed(route, started, err);
    }
    // Only a handler still running can be aborted by stop(): a synchronous one is done already, with
    // no timer and no promise.
    if (isThenable(result)) {
      this.invocations.add(invocation);
      return this.settleHandler(route, result, invocation, timeoutMs, started);
    }
    this.handlerTimer(route.name).ok.observe((performance.now() - started) / 1000);
    return null;
  }

  /** Waits for an async handler, at most its timeout (which aborts its signal). */
  private async settleHandler(
    route: Route,
    result: PromiseLike<unknown>,
    invocation: Invocation,
    timeoutMs: number,
    started: number,
  ): Promise<Failure | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise((resolve, reject) => {
        timer = setTimeout(() => {
          invocation.abort();
          reject(new HandlerTimeoutError(route.name, timeoutMs));
        }, timeoutMs);
        result.then(resolve, reject);
      });
      this.handlerTimer(route.name).ok.observe((performance.now() - started) / 1000);
      return null;
    } catch (err) {
      return this.failed(route, started, err);
    } finally {
      clearTimeout(timer);
      this.invocations.delete(invocation);
    }
  }

  private failed(route: Route, started: number, err: unknown): Failure {
    const outcome = err instanceof HandlerTimeoutError ? "timeout" : "error";
    this.handlerTimer(route.name)[outcome].observe((performance.now() - started) / 1000);
    return { route: route.name, error: errorText(err) };
  }
}
