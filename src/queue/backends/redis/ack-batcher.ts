import type { Redis } from "ioredis";

/** Ids that go out in one XACK, and the one promise all their ack() calls share. */
interface Chunk {
  ids: string[];
  done: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Batch {
  stream: string;
  group: string;
  /** Acks not sent yet, at most MAX_IDS per chunk. */
  chunks: Chunk[];
  /** One XACK per stream and group in flight at a time; what arrives meanwhile goes in the next one. */
  flying: boolean;
}

const MAX_IDS = 1000;

function chunk(): Chunk {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { ids: [], done, resolve, reject };
}

/**
 * Coalesces acks: a worker acks many deliveries concurrently, and one XACK with many ids costs the
 * server about what one id does. Each ack() resolves once its XACK answered; the acks of one XACK
 * share one promise, as they share one outcome.
 */
export class AckBatcher {
  private readonly batches = new Map<string, Batch>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly client: Redis) {}

  /** The acks of one stream and group: a consumer keeps it, so an ack is no lookup by name. */
  of(stream: string, group: string): { ack(id: string): Promise<void> } {
    const key = `${group}\u0000${stream}`;
    let batch = this.batches.get(key);
    if (!batch) {
      batch = { stream, group, chunks: [], flying: false };
      this.batches.set(key, batch);
    }
    const b = batch;
    return { ack: (id) => this.ack(b, id) };
  }

  private ack(batch: Batch, id: string): Promise<void> {
    let last = batch.chunks[batch.chunks.length - 1];
    if (!last || last.ids.length >= MAX_IDS) {
      last = chunk();
      batch.chunks.push(last);
      // Let the acks of this tick join before sending.
      if (!batch.flying && batch.chunks.length === 1) setImmediate(() => this.send(batch));
    }
    last.ids.push(id);
    return last.done;
  }

  private send(batch: Batch): void {
    const next = batch.chunks[0];
    if (batch.flying || !next) return;
    batch.chunks.shift();
    batch.flying = true;
    const done = this.client.xack(batch.stream, batch.group, ...next.ids).then(
      () => next.resolve(),
      (err: unknown) => next.reject(err),
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
    while (this.inFlight.size > 0 || [...this.batches.values()].some((b) => b.chunks.length > 0)) {
      if (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
