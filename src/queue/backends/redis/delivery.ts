import type { Envelope } from "../../../envelope/envelope.js";
import type { Delivery } from "../../types.js";

/** One stream entry as leased by a consumer: its id, fields and the delivery count it had then. */
export interface Leased {
  id: string;
  fields: string[];
  /** The group's delivery count for the entry when we got it: part of the ownership check. */
  count: number;
  readAt: number;
}

/** What a delivery asks of the consumer that leased it. */
export interface DeliveryOwner {
  readonly topic: string;
  /** The delivery is settled (or handed back): it no longer counts against the prefetch. */
  release(delivery: RedisDelivery): void;
  ackEntry(delivery: RedisDelivery): Promise<void>;
  retryEntry(delivery: RedisDelivery, delayMs: number, error: string): Promise<void>;
  deadLetterEntry(delivery: RedisDelivery, reason: string): Promise<void>;
  extendEntry(delivery: RedisDelivery): Promise<void>;
}

/**
 * A leased entry handed to the worker. A class rather than an object of closures: a consumer makes
 * one per message, and four closures each cost more than the prototype's methods.
 * Only the first of ack / retry / deadLetter takes effect.
 */
export class RedisDelivery implements Delivery {
  private settled = false;

  constructor(
    private readonly owner: DeliveryOwner,
    readonly leased: Leased,
    readonly message: Envelope,
    readonly attempt: number,
    /** The envelope exactly as stored, written back unchanged by a retry or dead letter. */
    readonly raw: string,
  ) {}

  get id(): string {
    return this.leased.id;
  }

  get topic(): string {
    return this.owner.topic;
  }

  get isSettled(): boolean {
    return this.settled;
  }

  /** Marks it settled without telling Redis: the consumer handed it back. */
  abandon(): void {
    this.settled = true;
  }

  ack(): Promise<void> {
    if (!this.take()) return Promise.resolve();
    return this.owner.ackEntry(this);
  }

  retry(delayMs: number, error?: string): Promise<void> {
    if (!this.take()) return Promise.resolve();
    return this.owner.retryEntry(this, delayMs, error ?? "");
  }

  deadLetter(reason: string): Promise<void> {
    if (!this.take()) return Promise.resolve();
    return this.owner.deadLetterEntry(this, reason);
  }

  async extend(): Promise<void> {
    if (!this.settled) await this.owner.extendEntry(this);
  }

  private take(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.owner.release(this);
    return true;
  }
}
