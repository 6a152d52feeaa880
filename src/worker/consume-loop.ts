import type { ConsumeOptions, Delivery, QueueBackend } from "../queue/types.js";
import type { Flight } from "./flight.js";

/** The backend's batches where it has them; otherwise each delivery is a batch of one. */
export function batchesOf(
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

/**
 * Takes batches from the queue while there is room in flight, and hands each on. Backpressure: it
 * waits for room (handlers done, acks answered) before it asks the backend for more.
 */
export class ConsumeLoop {
  private stopRequested = false;
  /** Wakes run() from whatever it awaits (room, the next batch), so stop() is seen at once. */
  private wake: (() => void) | null = null;

  constructor(
    private readonly batches: AsyncIterator<readonly Delivery[]>,
    private readonly flight: Flight,
    private readonly onBatch: (batch: readonly Delivery[]) => void,
  ) {}

  /** Resolves once stop() was called or the backend's consumer ended. */
  async run(): Promise<void> {
    const { flight } = this;
    while (!this.stopRequested) {
      // One waiter at a time, woken by a delivery that moved on or by stop(): racing every wait
      // against a long-lived "stopped" promise would leave a reaction on it per batch, growing forever.
      if (!flight.hasRoom()) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          flight.onRoom = resolve;
        });
        this.wake = null;
        flight.onRoom = null;
        continue;
      }
      const next = await new Promise<IteratorResult<readonly Delivery[]> | null>((resolve, reject) => {
        this.wake = () => resolve(null);
        this.batches.next().then(resolve, reject);
      });
      this.wake = null;
      if (next === null || next.done) return;
      flight.take(next.value.length);
      this.onBatch(next.value);
    }
  }

  /** Takes nothing more; run() returns at once. */
  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }
}
