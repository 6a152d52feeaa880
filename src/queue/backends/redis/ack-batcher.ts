import type { Redis } from "ioredis";

interface Batch {
  ids: string[];
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
  /** One XACK per stream and group in flight at a time; what arrives meanwhile goes in the next one. */
  flying: boolean;
}

const MAX_IDS = 1000;

/**
 * Coalesces acks: a worker acks many deliveries concurrently (concurrency 16), and one XACK with
 * many ids costs the server about what one id does. Each ack() resolves once its XACK answered.
 */
export class AckBatcher {
  private readonly batches = new Map<string, Batch & { stream: string; group: string }>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly client: Redis) {}

  /** The acks of one stream and group: a consumer keeps it, so an ack is no lookup by name. */
  of(stream: string, group: string): { ack(id: string): Promise<void> } {
    const key = `${group}\u0000${stream}`;
    let batch = this.batches.get(key);
    if (!batch) {
      batch = { stream, group, ids: [], waiters: [], flying: false };
      this.batches.set(key, batch);
    }
    const b = batch;
    return { ack: (id) => this.ack(b, id) };
  }

  private ack(b: Batch & { stream: string; group: string }, id: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      b.ids.push(id);
      b.waiters.push({ resolve, reject });
      // Let the acks of this tick join before sending.
      if (!b.flying && b.ids.length === 1) setImmediate(() => this.send(b));
    });
  }

  private send(batch: Batch & { stream: string; group: string }): void {
    if (batch.flying || batch.ids.length === 0) return;
    const ids = batch.ids.splice(0, MAX_IDS);
    const waiters = batch.waiters.splice(0, ids.length);
    batch.flying = true;
    const done = this.client.xack(batch.stream, batch.group, ...ids).then(
      () => {
        for (const w of waiters) w.resolve();
      },
      (err: unknown) => {
        for (const w of waiters) w.reject(err);
      },
    );
    const tracked = done.finally(() => {
      batch.flying = false;
      this.inFlight.delete(tracked);
      this.send(batch);
    });
    this.inFlight.add(tracked);
  }

  /** Resolves once every ack handed in so far has been answered. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0 || [...this.batches.values()].some((b) => b.ids.length > 0)) {
      if (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
