import { PublishBatchCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import { InFlight } from "../../in-flight.js";
import { TurnBatcher } from "../../turn-batcher.js";
import { chunkBySize, entryResults, MAX_BATCH_ENTRIES } from "./batching.js";
import { MessageTooLargeError } from "./errors.js";
import { messageBytes } from "./queue-ops.js";

/** SNS's limit for one message and for one PublishBatch request: 256 KiB. */
export const MAX_SNS_BYTES = 262_144;

interface Publication {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
}

/**
 * Publishes to one SNS topic. The publishes of one event-loop turn (a gateway under load answers
 * many requests at once) go out as PublishBatch requests of up to 10 messages; each publish resolves
 * with its own MessageId or rejects with its own error.
 */
export class TopicPublisher {
  private readonly batch: TurnBatcher<Publication, string>;
  private readonly inFlight = new InFlight();

  constructor(
    private readonly sns: SNSClient,
    readonly topicArn: string,
    private readonly timeoutMs: number,
  ) {
    this.batch = new TurnBatcher((items) => this.inFlight.track(this.publishBatch(items)));
  }

  publish(body: string, attributes: Record<string, MessageAttributeValue>): Promise<string> {
    const bytes = messageBytes(body, attributes);
    if (bytes > MAX_SNS_BYTES) return Promise.reject(new MessageTooLargeError(bytes, MAX_SNS_BYTES, "SNS"));
    return this.batch.add({ body, attributes });
  }

  /** Sends what is pending now and waits for every request on its way (before the client goes). */
  async drain(): Promise<void> {
    this.batch.flush();
    await this.inFlight.settled();
  }

  private async publishBatch(items: Publication[]): Promise<Array<string | Error>> {
    const indexed = items.map((item, index) => ({ item, index }));
    const chunks = chunkBySize(
      indexed,
      ({ item }) => messageBytes(item.body, item.attributes),
      MAX_BATCH_ENTRIES,
      MAX_SNS_BYTES,
    );
    const results: Array<string | Error> = new Array(items.length);
    await Promise.all(
      chunks.map(async (chunk) => {
        try {
          const out = await this.sns.send(
            new PublishBatchCommand({
              TopicArn: this.topicArn,
              PublishBatchRequestEntries: chunk.map(({ item, index }) => ({
                Id: String(index),
                Message: item.body,
                MessageAttributes: item.attributes,
              })),
            }),
            // Bounded, so ingress answers 503 (and Slack retries) before Slack's own 3 s timeout.
            { abortSignal: AbortSignal.timeout(this.timeoutMs) },
          );
          const answered = entryResults(items.length, out.Successful, out.Failed, "Publish");
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
