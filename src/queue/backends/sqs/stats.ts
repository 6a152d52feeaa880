import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { awsErrorName } from "../../../config/aws.js";

/** The URL of a queue by its name, or null when it does not exist. */
export async function queueUrlOrNull(sqs: SQSClient, name: string): Promise<string | null> {
  try {
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl ?? null;
  } catch (err) {
    if (awsErrorName(err) === "QueueDoesNotExist") return null;
    throw err;
  }
}

/**
 * Messages a queue has not had deleted: ready + in flight (leased, or waiting out a retry's
 * visibility) + delayed, as SQS counts them (approximately: the counts can lag by a minute).
 */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes: a } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  return (
    Number(a?.ApproximateNumberOfMessages ?? 0) +
    Number(a?.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(a?.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}
