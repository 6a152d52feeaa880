import type { Delivery } from "../queue/types.js";

/**
 * Keeps the leases of deliveries whose handlers are still running alive, with one timer for all of
 * them (a third of the lease). A synchronous handler cannot outlive a lease (no timer fires while it
 * runs), so only deliveries with an asynchronous handler are kept here.
 */
export class LeaseKeeper {
  private readonly held = new Set<Delivery>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly leaseMs: number) {}

  start(): void {
    this.timer = setInterval(
      () => {
        for (const delivery of this.held) void delivery.extend().catch(() => {});
      },
      Math.max(100, this.leaseMs / 3),
    );
    this.timer.unref();
  }

  keep(delivery: Delivery): void {
    this.held.add(delivery);
  }

  release(delivery: Delivery): void {
    this.held.delete(delivery);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
