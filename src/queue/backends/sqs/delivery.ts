import type { Message } from "@aws-sdk/client-sqs";
import type { Envelope } from "../../../envelope/envelope.js";
import type { Delivery } from "../../types.js";

/** What a delivery asks of the consumer that received it. */
export interface DeliveryOwner {
  readonly topic: string;
  /** Settled (or handed back): it no longer counts against the prefetch. */
  release(delivery: SqsDelivery): void;
  ackMessage(delivery: SqsDelivery): Promise<void>;
  retryMessage(delivery: SqsDelivery, delayMs: number): Promise<void>;
  deadLetterMessage(delivery: SqsDelivery, reason: string): Promise<void>;
  extendMessage(delivery: SqsDelivery): Promise<void>;
}

/**
 * A received SQS message handed to the worker. A class rather than an object of closures: a consumer
 * makes one per message. Only the first of ack / retry / deadLetter takes effect.
 */
export class SqsDelivery implements Delivery {
  private settled = false;

  constructor(
    private readonly owner: DeliveryOwner,
    /** The message as SQS returned it: its receipt handle, body and attributes. */
    readonly raw: Message,
    readonly message: Envelope,
    readonly attempt: number,
    /** Taken just before the ReceiveMessage was sent: the 12-hour visibility cap counts from then. */
    readonly receivedAt: number,
    /** When the message entered the queue (epoch ms), for the oldest-message age. */
    readonly sentAt: number,
  ) {}

  get id(): string {
    return this.raw.MessageId ?? "";
  }

  get topic(): string {
    return this.owner.topic;
  }

  get receiptHandle(): string {
    return this.raw.ReceiptHandle ?? "";
  }

  get isSettled(): boolean {
    return this.settled;
  }

  ack(): Promise<void> {
    if (!this.take()) return Promise.resolve();
    return this.owner.ackMessage(this);
  }

  retry(delayMs: number): Promise<void> {
    if (!this.take()) return Promise.resolve();
    return this.owner.retryMessage(this, delayMs);
  }

  deadLetter(reason: string): Promise<void> {
    if (!this.take()) return Promise.resolve();
    return this.owner.deadLetterMessage(this, reason);
  }

  async extend(): Promise<void> {
    if (!this.settled) await this.owner.extendMessage(this);
  }

  /** Settles it here, for the consumer handing it back; false when something settled it first. */
  take(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.owner.release(this);
    return true;
  }
}
