import { randomUUID } from "node:crypto";
import { LRUCache } from "lru-cache";
import { RecentIds } from "../../dedup/recent-ids.js";
import { isEnvelope } from "../../envelope/envelope.js";
import type { Logger } from "../../observability/logger.js";
import type { Delivery, QueueBackend } from "../../queue/types.js";
import { anySignal, Wakeup } from "../../queue/wakeup.js";
import { describeEnvelope, type EventFilter, type InboxEvent, isAgentMessage, matches } from "./event.js";
import { type Held, PendingAcks } from "./pending.js";

export interface EventInboxOptions {
  topic: string;
  group: string;
  consumer?: string;
  /** Deliveries held at most; when full, leasing pauses and newer events wait in the backend. */
  capacity?: number;
  /** Lease asked of the backend; held deliveries are extended every third of it. */
  leaseMs?: number;
  /** How long an event returned with `ack: false` waits for its ack before it comes back (default 5 min). */
  ackLeaseMs?: number;
  /** Messages whose metadata says an agent posted them through MCP are skipped unless this is true. */
  includeOwn?: boolean;
  logger: Logger;
}

/** An event as wait() returns it: with a receipt when the caller acks it itself. */
export type ReturnedEvent = InboxEvent & { attempt: number; receipt?: string; ack_deadline?: number };

export type EventState = "held" | "pending_ack" | "acked";

const MAX_BACKOFF_MS = 30_000;

/**
 * The agent's event inbox: consumes the event topic in its own group and holds the deliveries,
 * leased and unacked, until a wait() whose filter matches them returns them. Events no call has
 * asked for yet stay held for later calls (their leases extended); an event is acked only when it
 * is handed to an agent. Closing aborts the consume, so the backend hands unreturned ones back.
 */
export class EventInbox {
  private buffer: Held[] = [];
  private readonly returned = new RecentIds(10_000);
  /** Events recently acked, for slack_get_event. */
  private readonly recent = new LRUCache<string, ReturnedEvent>({ max: 1000 });
  private readonly pending: PendingAcks;
  private readonly arrived = new Wakeup();
  private readonly taken = new Wakeup();
  private readonly stopping = new AbortController();
  private loop: Promise<void> | null = null;
  private extender: NodeJS.Timeout | null = null;
  private readonly capacity: number;
  private readonly leaseMs: number;

  constructor(
    private readonly backend: QueueBackend,
    private readonly options: EventInboxOptions,
  ) {
    this.capacity = options.capacity ?? 1000;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.pending = new PendingAcks(options.ackLeaseMs ?? 300_000, (held) => this.lapse(held));
  }

  /** Deliveries held, not yet returned to an agent. */
  get size(): number {
    return this.buffer.length;
  }

  /** Events returned with `ack: false` whose ack has not come yet. */
  get awaitingAck(): number {
    return this.pending.size;
  }

  /** True when the inbox holds `capacity` events (awaiting acks included): newer ones wait. */
  get full(): boolean {
    return this.buffer.length + this.pending.size >= this.capacity;
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.run();
    this.extender = setInterval(() => this.extendAll(), Math.max(1000, Math.floor(this.leaseMs / 3)));
    this.extender.unref();
  }

  private async run(): Promise<void> {
    const { topic, group, logger } = this.options;
    const consumer = this.options.consumer ?? `mcp-${randomUUID().slice(0, 8)}`;
    let backoff = 500;
    while (!this.stopping.signal.aborted) {
      try {
        const deliveries = this.backend.consume(topic, {
          group,
          consumer,
          signal: this.stopping.signal,
          leaseMs: this.leaseMs,
          prefetch: this.capacity,
        });
        for await (const delivery of deliveries) {
          backoff = 500;
          await this.accept(delivery);
          // Full: stop leasing until an agent takes some. The rest wait in the backend, durable.
          while (this.full && !this.stopping.signal.aborted) {
            await this.taken.sleep(Number.POSITIVE_INFINITY, this.stopping.signal);
          }
        }
        if (!this.stopping.signal.aborted)
          logger.warn({ topic, group }, "mcp inbox: the backend stopped the consumer");
        return;
      } catch (err) {
        if (this.stopping.signal.aborted) return;
        logger.error({ err, topic, group, retryInMs: backoff }, "mcp inbox: consume failed, retrying");
        await new Wakeup().sleep(backoff, this.stopping.signal);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private async accept(delivery: Delivery): Promise<void> {
    const { logger } = this.options;
    if (!isEnvelope(delivery.message)) {
      logger.warn({ id: delivery.id }, "mcp inbox: not a Slackline envelope, dead-lettered");
      await delivery.deadLetter("mcp inbox: not a Slackline envelope").catch(() => {});
      return;
    }
    const item = describeEnvelope(delivery.message);
    // A redelivery of something an agent already got (its ack was lost), or the agent's own post.
    const own = !this.options.includeOwn && isAgentMessage(delivery.message);
    if (this.returned.has(item.id) || own) {
      await delivery
        .ack()
        .catch((err: unknown) => logger.warn({ err, id: item.id }, "mcp inbox: ack failed"));
      return;
    }
    // A redelivery of one we hold (its lease lapsed): keep the newer lease, in the old place.
    const same = this.buffer.findIndex((h) => h.item.id === item.id);
    if (same >= 0) this.buffer[same] = { delivery, item };
    else this.buffer.push({ delivery, item });
    if (this.full) {
      logger.warn(
        { capacity: this.capacity },
        "mcp inbox full: no more events leased until an agent takes some",
      );
    }
    this.arrived.notify();
  }

  private extendAll(): void {
    for (const held of [...this.buffer, ...this.pending.all()]) {
      held.delivery
        .extend()
        .catch((err: unknown) =>
          this.options.logger.debug({ err, id: held.item.id }, "mcp inbox: extend failed"),
        );
    }
  }

  /**
   * Events matching `filter`, oldest first, at most `max`: at once when some are held, else as soon
   * as one arrives, else [] after `timeoutMs`. Returned events are acked, unless `ack` is false:
   * then each carries a receipt for ack(), and comes back if no ack arrives within the ack lease.
   * The rest stay held.
   */
  async wait(
    filter: EventFilter,
    options: { max: number; timeoutMs: number; signal?: AbortSignal; ack?: boolean },
  ): Promise<ReturnedEvent[]> {
    const deadline = Date.now() + options.timeoutMs;
    const signal = anySignal(options.signal, this.stopping.signal);
    for (;;) {
      if (signal.aborted) return [];
      const taken = this.take(filter, options.max);
      if (taken.length > 0) return options.ack === false ? this.lend(taken) : this.hand(taken);
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await this.arrived.sleep(left, signal);
    }
  }

  private take(filter: EventFilter, max: number): Held[] {
    const taken: Held[] = [];
    const kept: Held[] = [];
    for (const held of this.buffer) {
      if (taken.length < max && matches(held.delivery.message, held.item, filter)) taken.push(held);
      else kept.push(held);
    }
    this.buffer = kept;
    if (taken.length > 0) this.taken.notify();
    return taken;
  }

  private async hand(taken: Held[]): Promise<ReturnedEvent[]> {
    await Promise.all(taken.map((held) => this.settle(held)));
    return taken.map((held) => ({ ...held.item, attempt: held.delivery.attempt }));
  }

  private lend(taken: Held[]): ReturnedEvent[] {
    return taken.map((held) => ({ ...held.item, attempt: held.delivery.attempt, ...this.pending.add(held) }));
  }

  private async settle(held: Held): Promise<void> {
    this.returned.add(held.item.id);
    this.recent.set(held.item.id, { ...held.item, attempt: held.delivery.attempt });
    await held.delivery
      .ack()
      .catch((err: unknown) => this.options.logger.warn({ err, id: held.item.id }, "mcp inbox: ack failed"));
  }

  /** An ack lease ran out: the event goes back to the group, to be leased (and returned) again. */
  private lapse(held: Held): void {
    this.options.logger.info(
      { id: held.item.id },
      "mcp inbox: no ack within the lease, the event comes back",
    );
    held.delivery
      .retry(0, "mcp inbox: not acknowledged within the ack lease")
      .catch((err: unknown) =>
        this.options.logger.warn({ err, id: held.item.id }, "mcp inbox: hand-back failed"),
      )
      .finally(() => this.taken.notify());
  }

  /** Acks events returned with `ack: false`; receipts that are unknown (or whose lease ran out) are listed. */
  async ack(receipts: readonly string[]): Promise<{ acked: string[]; unknown: string[] }> {
    const acked: string[] = [];
    const unknown: string[] = [];
    for (const receipt of receipts) {
      const held = this.pending.take(receipt);
      if (!held) {
        unknown.push(receipt);
        continue;
      }
      await this.settle(held);
      acked.push(held.item.id);
    }
    if (acked.length > 0) this.taken.notify();
    return { acked, unknown };
  }

  /** One event by id, whether held, awaiting its ack, or recently acked. */
  get(id: string): { event: ReturnedEvent; state: EventState } | undefined {
    const held = this.buffer.find((h) => h.item.id === id);
    if (held) return { event: { ...held.item, attempt: held.delivery.attempt }, state: "held" };
    const lent = this.pending.find(id);
    if (lent) {
      const event = { ...lent.item, attempt: lent.delivery.attempt, ack_deadline: lent.deadline };
      return { event, state: "pending_ack" };
    }
    const done = this.recent.get(id);
    return done && { event: done, state: "acked" };
  }

  /** Stops consuming; waiters return what they have (nothing); held deliveries go back to the group. */
  async close(): Promise<void> {
    this.stopping.abort();
    this.pending.clear();
    if (this.extender) clearInterval(this.extender);
    this.arrived.notify();
    this.taken.notify();
    await this.loop;
    this.buffer = [];
  }
}
