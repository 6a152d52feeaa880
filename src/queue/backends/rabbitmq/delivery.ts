import type { Channel, ConsumeMessage } from "amqplib";
import type { Envelope } from "../../../envelope/envelope.js";
import type { Delivery } from "../../types.js";
import { ChannelLostError } from "./errors.js";

/** What a delivery asks of the subscription that received it. */
export interface RabbitDeliveryOwner {
  readonly topic: string;
  /** The delivery is settled (or being): it no longer counts against the prefetch or its lease. */
  release(delivery: RabbitDelivery): void;
  ackEntry(delivery: RabbitDelivery): Promise<void>;
  retryEntry(delivery: RabbitDelivery, delayMs: number): Promise<void>;
  deadLetterEntry(delivery: RabbitDelivery, reason: string): Promise<void>;
  extendEntry(delivery: RabbitDelivery): void;
}

const settledAlready = Promise.resolve();

/**
 * A message a subscription received and has not settled: waiting to be handed out, or handed out.
 * A class rather than an object of closures: a subscription makes one per message. Only the first
 * of ack / retry / deadLetter takes effect.
 */
export class RabbitDelivery implements Delivery {
  settled = false;
  /** The channel died under it: the broker redelivers it, and our settle can no longer reach it. */
  lost = false;
  /** In this turn's ack group. */
  acking = false;
  /** When its lease runs out (ms since the epoch); extend() pushes it back. */
  deadline = 0;

  constructor(
    private readonly owner: RabbitDeliveryOwner,
    readonly msg: ConsumeMessage,
    readonly ch: Channel,
    /** The message as parsed; its raw text when it is not JSON. */
    readonly message: Envelope,
    readonly attempt: number,
    /** When publish() first stored it (ms), for stats(). */
    readonly publishedAt: number,
  ) {}

  get id(): string {
    return String(this.msg.properties.messageId ?? this.msg.fields.deliveryTag);
  }

  get topic(): string {
    return this.owner.topic;
  }

  ack(): Promise<void> {
    if (this.lost) return Promise.reject(new ChannelLostError());
    if (!this.take()) return settledAlready;
    return this.owner.ackEntry(this);
  }

  retry(delayMs: number): Promise<void> {
    if (this.lost) return Promise.reject(new ChannelLostError());
    if (!this.take()) return settledAlready;
    return this.owner.retryEntry(this, delayMs);
  }

  deadLetter(reason: string): Promise<void> {
    if (this.lost) return Promise.reject(new ChannelLostError());
    if (!this.take()) return settledAlready;
    return this.owner.deadLetterEntry(this, reason);
  }

  async extend(): Promise<void> {
    if (!this.settled) this.owner.extendEntry(this);
  }

  /** Settles it without a word to the broker (its channel died, or the subscription handed it back). */
  take(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.owner.release(this);
    return true;
  }
}
