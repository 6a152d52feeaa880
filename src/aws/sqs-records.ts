import type { Message, MessageAttributeValue } from "@aws-sdk/client-sqs";
import { ConfigError } from "../config/config-error.js";

/** An SQS record of a Lambda event-source batch: the fields Slackline reads. */
export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: { ApproximateReceiveCount?: string; SentTimestamp?: string; [k: string]: string | undefined };
  /** Lambda spells message attributes in camel case (`stringValue`, `dataType`). */
  messageAttributes?: Record<
    string,
    { stringValue?: string; binaryValue?: string; dataType: string } | undefined
  >;
  /** `arn:aws:sqs:<region>:<account>:<queue name>`. */
  eventSourceARN: string;
}

export interface SqsEvent {
  Records: SqsRecord[];
}

/** What Lambda reads back from the handler: the records to deliver again (ReportBatchItemFailures). */
export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** A record as the SDK's `Message`, so the backend's delivery and dead-letter code serves both. */
export function messageOf(record: SqsRecord): Message {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (!value) continue;
    attributes[name] = {
      DataType: value.dataType,
      ...(value.stringValue !== undefined ? { StringValue: value.stringValue } : {}),
      ...(value.binaryValue !== undefined ? { BinaryValue: Buffer.from(value.binaryValue, "base64") } : {}),
    };
  }
  return {
    MessageId: record.messageId,
    ReceiptHandle: record.receiptHandle,
    Body: record.body,
    Attributes: {
      ...(record.attributes.ApproximateReceiveCount
        ? { ApproximateReceiveCount: record.attributes.ApproximateReceiveCount }
        : {}),
      ...(record.attributes.SentTimestamp ? { SentTimestamp: record.attributes.SentTimestamp } : {}),
    },
    MessageAttributes: attributes,
  };
}

/** The queue an event source ARN names: its name and owning account. */
export function queueOfArn(arn: string): { name: string; account: string } {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[2] !== "sqs") throw new ConfigError(`not an SQS queue ARN: ${arn}`);
  return { name: parts[5]!, account: parts[4]! };
}
