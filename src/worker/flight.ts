/**
 * What a worker has taken from the queue and not yet given back, in two counts:
 * - `running`: deliveries whose handlers have not finished; `concurrency` bounds it;
 * - `unsettled`: deliveries not yet acked, retried or dead-lettered (their answer from the queue may
 *   still be on its way); bounded at twice the concurrency, and what a graceful stop waits for.
 */
export class Flight {
  private running = 0;
  private unsettled = 0;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(private readonly concurrency: number) {}

  /** Room for another batch: the backend leases at most `concurrency` unsettled deliveries, so one always fits. */
  hasRoom(): boolean {
    return this.running < this.concurrency && this.unsettled < 2 * this.concurrency;
  }

  /** Called at the next change that may have made room: the consume loop sets it while it waits. */
  onRoom: (() => void) | null = null;

  take(count: number): void {
    this.running += count;
    this.unsettled += count;
  }

  /** Their handlers are done: slots are free, though their acks may still be on the way. */
  readonly handlersDone = (count = 1): void => {
    this.running -= count;
    this.onRoom?.();
  };

  /** Settled (or given up on, left to their lease): the drain waits for none of them any more. */
  readonly settled = (count = 1): void => {
    this.unsettled -= count;
    if (this.unsettled === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.onRoom?.();
  };

  /** Taken and not yet settled: the `slackline_in_flight` gauge reads it. */
  get unsettledCount(): number {
    return this.unsettled;
  }

  /** Resolves once nothing is unsettled. */
  idle(): Promise<void> {
    if (this.unsettled === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
