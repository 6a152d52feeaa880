import { type Message, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { Wakeup } from "../../wakeup.js";
import { deadLetterOf } from "./attributes.js";
import { type DeliveryOwner, SqsDelivery } from "./delivery.js";
import { clampVisibility, isStaleReceipt, parseBody, receiveCount, sentAt, toSeconds } from "./message.js";
import type { QueueOps } from "./queue-ops.js";
import type { GroupQueues } from "./resources.js";

export interface ConsumerOptions {
  topic: string;
  queues: GroupQueues;
  ops: QueueOps;
  dlqOps: QueueOps;
  leaseMs: number;
  prefetch: number;
  waitTimeSeconds: number;
}

/** ReceiveMessage takes at most 10 messages per call. */
const MAX_RECEIVE = 10;

/**
 * One consume loop of one group: long-polls the group's queue, hands out what it receives in
 * batches, and keeps count of what it holds (at most `prefetch` unsettled). The lease is SQS's
 * visibility timeout: set on receive, pushed back by extend(), cut to 0 to hand a message back.
 */
export class GroupConsumer implements DeliveryOwner {
  /** Received, not settled: handed out, or being handed back. */
  readonly held = new Set<SqsDelivery>();
  private readonly wake = new Wakeup();
  private stopped = false;
  private stopping: Promise<void> | null = null;
  private readonly leaseSeconds: number;

  constructor(
    private readonly sqs: SQSClient,
    private readonly o: ConsumerOptions,
  ) {
    // At least a second: SQS has no shorter visibility, and 0 would make the message visible at once.
    this.leaseSeconds = Math.max(1, toSeconds(o.leaseMs));
  }

  get topic(): string {
    return this.o.topic;
  }

  get group(): string {
    return this.o.queues.group;
  }

  async *run(signal: AbortSignal): AsyncGenerator<SqsDelivery[]> {
    let failures = 0;
    try {
      while (!signal.aborted && !this.stopped) {
        const room = this.o.prefetch - this.held.size;
        if (room <= 0) {
          await this.wake.sleep(Number.POSITIVE_INFINITY, signal);
          continue;
        }
        const receivedAt = Date.now();
        let messages: Message[];
        try {
          const out = await this.sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: this.o.queues.queueUrl,
              MaxNumberOfMessages: Math.min(MAX_RECEIVE, room),
              WaitTimeSeconds: this.o.waitTimeSeconds,
              VisibilityTimeout: this.leaseSeconds,
              MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
              MessageAttributeNames: ["All"],
            }),
            // Aborting a long poll can leave what SQS had picked for it invisible until its
            // visibility timeout passes: it comes back then, counted as a receive.
            { abortSignal: signal },
          );
          messages = out.Messages ?? [];
          failures = 0;
        } catch {
          if (signal.aborted || this.stopped) break;
          failures++;
          await this.wake.sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), signal);
          continue;
        }
        const batch: SqsDelivery[] = [];
        for (const m of messages) {
          const delivery = this.toDelivery(m, receivedAt);
          if (delivery) batch.push(delivery);
        }
        if (batch.length > 0) yield batch;
      }
    } finally {
      await this.stop();
    }
  }

  private toDelivery(m: Message, receivedAt: number): SqsDelivery | null {
    const envelope = parseBody(m.Body);
    const delivery = new SqsDelivery(
      this,
      m,
      envelope ?? (m.Body as unknown as SqsDelivery["message"]),
      receiveCount(m),
      receivedAt,
      sentAt(m) ?? receivedAt,
    );
    this.held.add(delivery);
    if (envelope) return delivery;
    // Not JSON: no handler can use it, and redelivering it would never help.
    void delivery.deadLetter("malformed message: not JSON").catch(() => {});
    return null;
  }

  release(delivery: SqsDelivery): void {
    this.held.delete(delivery);
    this.wake.notify();
  }

  async ackMessage(d: SqsDelivery): Promise<void> {
    try {
      await this.o.ops.delete(d.receiptHandle);
    } catch (err) {
      // The lease ran out and the message was received again (or deleted) meanwhile: its new
      // holder settles it, and the processed-markers keep its handlers from running twice.
      if (!isStaleReceipt(err)) throw err;
    }
  }

  async retryMessage(d: SqsDelivery, delayMs: number): Promise<void> {
    await this.changeVisibility(d, clampVisibility(toSeconds(delayMs), d.receivedAt));
  }

  async extendMessage(d: SqsDelivery): Promise<void> {
    await this.o.ops.changeVisibility(d.receiptHandle, clampVisibility(this.leaseSeconds, d.receivedAt));
  }

  async deadLetterMessage(d: SqsDelivery, reason: string): Promise<void> {
    try {
      await this.o.dlqOps.send(deadLetterOf(d, this.o.queues.group, reason));
    } catch (err) {
      // Not in the DLQ: back to the group rather than lost.
      await this.changeVisibility(d, 0).catch(() => {});
      throw err;
    }
    await this.ackMessage(d);
  }

  /** A change for a message no longer in flight (its lease ran out) is moot: it is visible already. */
  private async changeVisibility(d: SqsDelivery, seconds: number): Promise<void> {
    try {
      await this.o.ops.changeVisibility(d.receiptHandle, seconds);
    } catch (err) {
      if (!isStaleReceipt(err)) throw err;
    }
  }

  /** Stops receiving and hands every unsettled message back to the queue at once (visibility 0). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      this.wake.notify();
      const back: Promise<void>[] = [];
      for (const d of [...this.held]) {
        if (d.take()) back.push(this.changeVisibility(d, 0).catch(() => {}));
      }
      await Promise.all(back);
    })();
    return this.stopping;
  }
}
