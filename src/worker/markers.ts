import type { DedupStore } from "../dedup/types.js";

/**
 * A processed-marker says "this group's handler `routeId` succeeded for envelope `id`": a redelivery
 * skips that handler. Kept in the dedup store under this key.
 */
export const markerKey = (group: string, id: string, routeId: string): string =>
  `done:${group}:${id}:${routeId}`;

/** What the worker does with processed-markers that could not be written. */
export type MarkerFailure = (keys: readonly string[], err: unknown) => void;

/**
 * Gathers the processed-markers a worker writes in one event-loop turn into one store call
 * (`markMany()` where the store has it). Every marker of a turn waits on the same promise, so a
 * delivery's marker costs no promise of its own. Its promises never reject: a marker only matters if
 * the delivery comes again, so a failed write is reported (`onFailure`) and the ack goes ahead.
 */
export class MarkerWriter {
  private keys: string[] = [];
  private written: Promise<void> | null = null;
  private settle: () => void = () => {};

  constructor(
    private readonly store: DedupStore,
    private readonly ttlSeconds: number,
    private readonly onFailure: MarkerFailure,
  ) {}

  /** Resolves once the marker (and the rest of its turn's) is written, or its failure reported. */
  add(key: string): Promise<void> {
    this.keys.push(key);
    if (!this.written) {
      this.written = new Promise<void>((resolve) => {
        this.settle = resolve;
      });
      setImmediate(this.flush);
    }
    return this.written;
  }

  private readonly flush = (): void => {
    const { keys, settle, store, ttlSeconds } = this;
    this.keys = [];
    this.written = null;
    const write = store.markMany
      ? store.markMany(keys, ttlSeconds)
      : Promise.all(keys.map((key) => store.mark(key, ttlSeconds)));
    write.then(settle, (err: unknown) => {
      this.onFailure(keys, err);
      settle();
    });
  };
}
