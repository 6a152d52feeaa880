import { randomUUID } from "node:crypto";
import type { Delivery } from "../../queue/types.js";
import type { InboxEvent } from "./event.js";

export interface Held {
  delivery: Delivery;
  item: InboxEvent;
}

interface Pending extends Held {
  deadline: number;
  timer: NodeJS.Timeout;
}

/**
 * Events handed to an agent with `ack: false`: each waits under a receipt until the agent acks it,
 * or its lease runs out and `expire` hands it back. Their backend leases are kept alive meanwhile.
 */
export class PendingAcks {
  private readonly byReceipt = new Map<string, Pending>();

  constructor(
    private readonly leaseMs: number,
    private readonly expire: (held: Held) => void,
  ) {}

  get size(): number {
    return this.byReceipt.size;
  }

  /** A fresh receipt for this hand-out (a later hand-out of the same event gets another). */
  add(held: Held): { receipt: string; ack_deadline: number } {
    const receipt = randomUUID();
    const deadline = Date.now() + this.leaseMs;
    const timer = setTimeout(() => {
      if (this.byReceipt.delete(receipt)) this.expire(held);
    }, this.leaseMs);
    timer.unref();
    this.byReceipt.set(receipt, { ...held, deadline, timer });
    return { receipt, ack_deadline: deadline };
  }

  /** The pending entry for this receipt, removed; undefined when unknown or already expired. */
  take(receipt: string): Held | undefined {
    const entry = this.byReceipt.get(receipt);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.byReceipt.delete(receipt);
    return entry;
  }

  find(id: string): (Held & { deadline: number }) | undefined {
    for (const entry of this.byReceipt.values()) if (entry.item.id === id) return entry;
    return undefined;
  }

  all(): Held[] {
    return [...this.byReceipt.values()];
  }

  clear(): void {
    for (const entry of this.byReceipt.values()) clearTimeout(entry.timer);
    this.byReceipt.clear();
  }
}
