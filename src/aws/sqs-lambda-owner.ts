import { GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { deadLetterOf } from "../queue/backends/sqs/attributes.js";
import type { DeliveryOwner, SqsDelivery } from "../queue/backends/sqs/delivery.js";
import { clampVisibility, isStaleReceipt, toSeconds } from "../queue/backends/sqs/message.js";
import { QueueOps } from "../queue/backends/sqs/queue-ops.js";

/**
 * Settles the records of one Lambda batch. Lambda deletes the records the handler does not report
 * as failed, so an ack only notes success; a retry reports the record failed and sets its
 * visibility to the backoff's delay (so SQS brings it back then, not after the queue's timeout); a
 * dead letter goes to the group's DLQ in the backend's format and then counts as success.
 */
export class LambdaBatchOwner implements DeliveryOwner {
  /** Records settled as done (acked or dead-lettered): every other one is reported failed. */
  readonly done = new Set<string>();

  constructor(
    readonly topic: string,
    private readonly group: string,
    private readonly ops: QueueOps,
    private readonly dlqOps: QueueOps,
    private readonly leaseSeconds: number,
  ) {}

  release(): void {}

  async ackMessage(d: SqsDelivery): Promise<void> {
    this.done.add(d.id);
  }

  async retryMessage(d: SqsDelivery, delayMs: number): Promise<void> {
    await this.visibility(d, clampVisibility(toSeconds(delayMs), d.receivedAt));
  }

  async extendMessage(d: SqsDelivery): Promise<void> {
    await this.visibility(d, clampVisibility(this.leaseSeconds, d.receivedAt));
  }

  async deadLetterMessage(d: SqsDelivery, reason: string): Promise<void> {
    await this.dlqOps.send(deadLetterOf(d, this.group, reason));
    this.done.add(d.id);
  }

  private async visibility(d: SqsDelivery, seconds: number): Promise<void> {
    try {
      await this.ops.changeVisibility(d.receiptHandle, seconds);
    } catch (err) {
      if (!isStaleReceipt(err)) throw err;
    }
  }
}

/** Queue URLs by name, looked up once per execution environment (an emulator's differ from AWS's). */
export class QueueUrls {
  private readonly urls = new Map<string, Promise<QueueOps>>();

  constructor(private readonly sqs: SQSClient) {}

  ops(name: string, account: string): Promise<QueueOps> {
    let ops = this.urls.get(name);
    if (!ops) {
      ops = this.sqs
        .send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }))
        .then((out) => new QueueOps(this.sqs, out.QueueUrl!));
      ops.catch(() => this.urls.delete(name));
      this.urls.set(name, ops);
    }
    return ops;
  }
}
