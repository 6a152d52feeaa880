import { type DedupStore, NONE_MARKED } from "../dedup/types.js";
import type { Route, Router } from "../handlers/router.js";
import type { Logger } from "../observability/logger.js";
import type { Delivery } from "../queue/types.js";
import type { Failure } from "./failure.js";
import type { HandlerInvoker } from "./invoke.js";
import type { LeaseKeeper } from "./leases.js";
import { type RouteLock, runLocked } from "./locks.js";
import { type MarkerWriter, markerKey } from "./markers.js";
import type { SettleCallbacks, Settler } from "./settle.js";
import type { Task } from "./task.js";
import type { UnroutedEvents } from "./unrouted.js";

export interface ProcessorParts {
  group: string;
  router: Router;
  /** Where processed-markers are looked up. */
  markers: DedupStore;
  /** Where they are written, a turn at a time. */
  markerWriter: MarkerWriter;
  invoker: HandlerInvoker;
  settler: Settler;
  leases: LeaseKeeper;
  locks?: Readonly<Record<string, RouteLock>> | undefined;
  logger: Logger;
  /** Told of each delivery no route matched. */
  unrouted?: UnroutedEvents | undefined;
}

/** Told as deliveries move through: handlers done (a slot is free), then settled (out of the worker's hands). */
export interface ProcessorProgress {
  handlersDone(count: number): void;
  settled(count: number): void;
}

const nothing = (): void => {};

/**
 * Takes a batch of deliveries from their processed-markers to their settlement: one marker lookup
 * for the batch, then each delivery's handlers in order (those without a marker), then ack, retry or
 * dead letter. It never throws; progress is reported, not returned, so a batch's synchronous work is
 * done within the call and its asynchronous work joins the rest of the worker's.
 */
export class DeliveryProcessor {
  private readonly settleCallbacks: SettleCallbacks;

  constructor(
    private readonly parts: ProcessorParts,
    private readonly progress: ProcessorProgress,
  ) {
    this.settleCallbacks = {
      settled: progress.settled,
      failed: (delivery, err) => this.logFailure(delivery, err),
    };
  }

  /** Deliveries taken together: their processed-markers are looked up in one call. */
  async process(batch: readonly Delivery[]): Promise<void> {
    const { group, router, markers } = this.parts;
    const tasks: Task[] = new Array(batch.length);
    const keys: string[] = [];
    for (let i = 0; i < batch.length; i++) {
      const delivery = batch[i]!;
      const routes = router.match(delivery.message);
      if (routes.length === 0) this.parts.unrouted?.hit(delivery.message);
      const task: Task = {
        delivery,
        routes,
        markerKeys: new Array(routes.length),
        ran: 0,
        failures: null,
        markersWritten: null,
      };
      for (let r = 0; r < routes.length; r++) {
        const key = markerKey(group, delivery.message.id, routes[r]!.id);
        task.markerKeys[r] = key;
        keys.push(key);
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
    for (const task of tasks) this.start(task, already, succeeded);
    if (succeeded.length > 0) {
      this.progress.handlersDone(succeeded.length);
      this.parts.settler.ackTogether(succeeded, this.settleCallbacks);
    }
  }

  /**
   * One delivery's handlers; never throws. One whose handlers all succeeded at once (or had none to
   * run) joins `succeeded`, acked with the rest of its batch.
   */
  private start(task: Task, already: ReadonlySet<string>, succeeded: Task[]): void {
    let ran: Task | Promise<Task>;
    try {
      ran = this.runHandlers(task, already);
    } catch (err) {
      this.unexpected(task.delivery, err);
      return;
    }
    if (ran instanceof Promise) ran.then(this.settleOne, (err) => this.unexpected(task.delivery, err));
    else if (ran.failures === null) succeeded.push(ran);
    else this.settleOne(ran);
  }

  /**
   * Runs the handlers a delivery still needs, one after another; synchronous when every handler is.
   * Once it is done the slot is free for the next delivery, so a round trip to the queue does not
   * stand between one batch's handlers and the next's.
   */
  private runHandlers(task: Task, already: ReadonlySet<string>): Task | Promise<Task> {
    for (let i = 0; i < task.routes.length; i++) {
      if (already.has(task.markerKeys[i]!)) continue;
      task.ran++;
      const running = this.runRoute(task, i);
      if (running instanceof Promise) return this.finishHandlers(task, already, running, i);
      this.record(task, i, running);
    }
    return task;
  }

  /** The rest of runHandlers() once a handler turned out to be asynchronous: its lease is kept alive from here. */
  private async finishHandlers(
    task: Task,
    already: ReadonlySet<string>,
    running: Promise<Failure | null>,
    at: number,
  ): Promise<Task> {
    const { leases } = this.parts;
    leases.keep(task.delivery);
    try {
      this.record(task, at, await running);
      for (let i = at + 1; i < task.routes.length; i++) {
        if (already.has(task.markerKeys[i]!)) continue;
        task.ran++;
        const next = this.runRoute(task, i);
        this.record(task, i, next instanceof Promise ? await next : next);
      }
      return task;
    } finally {
      leases.release(task.delivery);
    }
  }

  private runRoute(task: Task, i: number): Failure | null | Promise<Failure | null> {
    const route = task.routes[i]!;
    const { invoker, locks } = this.parts;
    if (route.claim === undefined) return invoker.invoke(route, task.delivery);
    return runLocked(locks, route as Route & { claim: string }, task.delivery, () =>
      invoker.invoke(route, task.delivery),
    );
  }

  /**
   * A handler's outcome. A success writes its processed-marker (never rejects). The marker only
   * matters if this delivery comes again (a failed ack, a crash, a duplicate copy), so it is sent
   * alongside the ack rather than awaited before it; a retry, though, waits for it.
   */
  private record(task: Task, i: number, failure: Failure | null): void {
    if (failure) {
      task.failures ??= [];
      task.failures.push(failure);
      return;
    }
    const written = this.parts.markerWriter.add(task.markerKeys[i]!);
    // The markers of one turn share a promise; an async handler's may be of a later turn.
    task.markersWritten =
      task.markersWritten === null || task.markersWritten === written
        ? written
        : Promise.all([task.markersWritten, written]).then(nothing);
  }

  /** Its handlers are done, so its slot is free; it stays unsettled until its ack (or retry) is answered. */
  private readonly settleOne = (task: Task): void => {
    this.progress.handlersDone(1);
    this.parts.settler.settle(task).then(this.settledOne, (err: unknown) => {
      this.logFailure(task.delivery, err);
      this.progress.settled(1);
    });
  };

  private readonly settledOne = (): void => this.progress.settled(1);

  /** A delivery that could not be handled: its slot is given back and it is left to its lease. */
  private unexpected(delivery: Delivery, err: unknown): void {
    this.logFailure(delivery, err);
    this.progress.handlersDone(1);
    this.progress.settled(1);
  }

  private logFailure(delivery: Delivery, err: unknown): void {
    this.parts.logger.error({ err, id: delivery.message.id }, "delivery failed unexpectedly");
  }
}
