import type { JsMsg } from "@nats-io/jetstream";
import type { Envelope } from "../../../envelope/envelope.js";
import type { Delivery } from "../../types.js";

/** What a delivery asks of the consumer that leased it. */
export interface NatsDeliveryOwner {
  readonly topic: string;
  /** The delivery is settled (or handed back): it no longer counts against the prefetch. */
  release(delivery: NatsDelivery): void;
  ackMessage(delivery: NatsDelivery): Promise<void>;
  retryMessage(delivery: NatsDelivery, delayMs: number): Promise<void>;
  deadLetterMessage(delivery: NatsDelivery, reason: string): Promise<void>;
  extendMessage(delivery: NatsDelivery): Promise<void>;
}

const settledAlready = Promise.resolve();

/**
 * A JetStream message handed to the worker. A class rather than an object of closures: a consumer
 * makes one per message. Only the first of ack / retry / deadLetter takes effect.
 */
export class NatsDelivery implements Delivery {
  private settled = false;

  constructor(
    private readonly owner: NatsDeliveryOwner,
    readonly msg: JsMsg,
    readonly message: Envelope,
    readonly attempt: number,
    /** When the message reached this process (ms): one that waited too long here is not handed out. */
    readonly arrivedAt: number,
  ) {}

  get id(): string {
    return String(this.msg.seq);
  }

  get topic(): string {
    return this.owner.topic;
  }

  get isSettled(): boolean {
    return this.settled;
  }

  /** Settled without telling the server: the consumer handed it back, or left it to its lease. */
  abandon(): void {
    if (this.settled) return;
    this.settled = true;
    this.owner.release(this);
  }

  ack(): Promise<void> {
    if (!this.take()) return settledAlready;
    return this.owner.ackMessage(this);
  }

  retry(delayMs: number): Promise<void> {
    if (!this.take()) return settledAlready;
    return this.owner.retryMessage(this, delayMs);
  }

  deadLetter(reason: string): Promise<void> {
    if (!this.take()) return settledAlready;
    return this.owner.deadLetterMessage(this, reason);
  }

  async extend(): Promise<void> {
    if (!this.settled) await this.owner.extendMessage(this);
  }

  private take(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.owner.release(this);
    return true;
  }
}
