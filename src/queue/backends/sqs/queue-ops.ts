import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { InFlight } from "../../in-flight.js";
import { TurnBatcher } from "../../turn-batcher.js";
import { chunkBySize, entryResults, MAX_BATCH_ENTRIES } from "./batching.js";
import { MessageTooLargeError } from "./errors.js";

/** SQS's message size limit (1 MiB since 2025), which is also the limit of one batch request. */
const MAX_SQS_BYTES = 1_048_576;

export interface Outgoing {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
}

interface VisibilityChange {
  handle: string;
  seconds: number;
}

/** The bytes SQS counts for a message: its body and every attribute's name, type and value. */
export function messageBytes(body: string, attributes: Record<string, MessageAttributeValue>): number {
  let bytes = Buffer.byteLength(body);
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + (value.DataType?.length ?? 0);
    bytes += Buffer.byteLength(value.StringValue ?? "");
  }
  return bytes;
}

/**
 * The writes to one queue, gathered per event-loop turn into batch requests of up to 10 entries: a
 * worker acks, retries and extends many deliveries at once, and one DeleteMessageBatch costs about
 * what one DeleteMessage does (in latency and in SQS's per-request price).
 */
export class QueueOps {
  private readonly deletes: TurnBatcher<string, undefined>;
  private readonly visibility: TurnBatcher<VisibilityChange, undefined>;
  private readonly sends: TurnBatcher<Outgoing, string>;
  private readonly inFlight = new InFlight();

  constructor(
    private readonly sqs: SQSClient,
    readonly url: string,
  ) {
    const track = this.inFlight.track.bind(this.inFlight);
    this.deletes = new TurnBatcher((handles) => track(this.deleteBatch(handles)), MAX_BATCH_ENTRIES);
    this.visibility = new TurnBatcher((changes) => track(this.visibilityBatch(changes)), MAX_BATCH_ENTRIES);
    this.sends = new TurnBatcher((messages) => track(this.sendBatch(messages)));
  }

  /** Deletes a received message (an ack). */
  delete(receiptHandle: string): Promise<undefined> {
    return this.deletes.add(receiptHandle);
  }

  /** The message becomes visible again `seconds` from now (0: at once). */
  changeVisibility(receiptHandle: string, seconds: number): Promise<undefined> {
    return this.visibility.add({ handle: receiptHandle, seconds });
  }

  /** Sends a message to this queue; resolves with its MessageId. */
  send(message: Outgoing): Promise<string> {
    const bytes = messageBytes(message.body, message.attributes);
    if (bytes > MAX_SQS_BYTES) return Promise.reject(new MessageTooLargeError(bytes, MAX_SQS_BYTES, "SQS"));
    return this.sends.add(message);
  }

  /** Sends what is pending now and waits for every request on its way (before the client goes). */
  async drain(): Promise<void> {
    this.deletes.flush();
    this.visibility.flush();
    this.sends.flush();
    await this.inFlight.settled();
  }

  private async deleteBatch(handles: string[]): Promise<Array<undefined | Error>> {
    const out = await this.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: this.url,
        Entries: handles.map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle })),
      }),
    );
    return entryResults(handles.length, out.Successful, out.Failed, "DeleteMessage");
  }

  private async visibilityBatch(changes: VisibilityChange[]): Promise<Array<undefined | Error>> {
    // The same message twice in a turn (a heartbeat's extend and a retry): the later call wins,
    // and SQS is not left to pick which entry of one batch applies last.
    const last = new Map<string, number>();
    for (let i = 0; i < changes.length; i++) last.set(changes[i]!.handle, i);
    const entries = [...last.values()].map((i) => ({
      Id: String(i),
      ReceiptHandle: changes[i]!.handle,
      VisibilityTimeout: changes[i]!.seconds,
    }));
    const out = await this.sqs.send(
      new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.url, Entries: entries }),
    );
    const results = entryResults(changes.length, out.Successful, out.Failed, "ChangeMessageVisibility");
    for (let i = 0; i < changes.length; i++) if (last.get(changes[i]!.handle) !== i) results[i] = undefined;
    return results;
  }

  private async sendBatch(messages: Outgoing[]): Promise<Array<string | Error>> {
    const indexed = messages.map((message, index) => ({ message, index }));
    const chunks = chunkBySize(
      indexed,
      ({ message }) => messageBytes(message.body, message.attributes),
      MAX_BATCH_ENTRIES,
      MAX_SQS_BYTES,
    );
    const results: Array<string | Error> = new Array(messages.length);
    await Promise.all(
      chunks.map(async (chunk) => {
        try {
          const out = await this.sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: this.url,
              Entries: chunk.map(({ message, index }) => ({
                Id: String(index),
                MessageBody: message.body,
                MessageAttributes: message.attributes,
              })),
            }),
          );
          const answered = entryResults(messages.length, out.Successful, out.Failed, "SendMessage");
          const ids = new Map((out.Successful ?? []).map((s) => [Number(s.Id), s.MessageId ?? ""]));
          for (const { index } of chunk) results[index] = answered[index] ?? ids.get(index) ?? "";
        } catch (err) {
          for (const { index } of chunk) results[index] = err as Error;
        }
      }),
    );
    return results;
  }
}
