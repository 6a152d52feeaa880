import type { Delivery, QueueBackend } from "../queue/types.js";

/**
 * Runs `backend.consume()` in the background and hands out deliveries one at a time, with timeouts,
 * so tests can say "the next delivery within 2 s" or "nothing within 300 ms".
 */
export class DeliveryCollector {
  private readonly buffer: Delivery[] = [];
  private waiter: (() => void) | null = null;
  private readonly controller = new AbortController();
  readonly done: Promise<void>;
  error: unknown = null;

  /** `max`: stop pulling after that many deliveries (a hung consumer that holds its leases). */
  constructor(
    backend: QueueBackend,
    topic: string,
    options: { group: string; consumer?: string; leaseMs?: number; max?: number },
  ) {
    const { max = Number.POSITIVE_INFINITY, ...consume } = options;
    const stopped = new Promise<void>((resolve) =>
      this.controller.signal.addEventListener("abort", () => resolve()),
    );
    this.done = (async () => {
      let count = 0;
      try {
        for await (const delivery of backend.consume(topic, { ...consume, signal: this.controller.signal })) {
          this.buffer.push(delivery);
          this.waiter?.();
          if (++count >= max) await stopped;
        }
      } catch (err) {
        this.error = err;
      } finally {
        this.waiter?.();
      }
    })();
  }

  /** The next delivery, or throws after `timeoutMs`. */
  async next(timeoutMs = 5000): Promise<Delivery> {
    const found = await this.poll(timeoutMs);
    if (!found) throw new Error(`no delivery within ${timeoutMs} ms`);
    return found;
  }

  /** The next delivery, or null when none came within `timeoutMs`. */
  async poll(timeoutMs: number): Promise<Delivery | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffer.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0 || this.controller.signal.aborted) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
    return this.buffer.shift() ?? null;
  }

  async take(count: number, timeoutMs = 5000): Promise<Delivery[]> {
    const deadline = Date.now() + timeoutMs;
    const out: Delivery[] = [];
    while (out.length < count) out.push(await this.next(Math.max(1, deadline - Date.now())));
    return out;
  }

  /** Stops consuming (unsettled deliveries go back to the group) and waits for the loop to end. */
  async stop(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}
