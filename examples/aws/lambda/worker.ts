// The worker Lambda of one consumer group: SQS hands it batches from the group's queue, sqsWorker()
// runs each record through Slackline's worker (processed-markers in DynamoDB, retries, dead letters)
// and returns batchItemFailures, so SQS redelivers only the records that failed.
import { sqsWorker } from "slackline/aws";
import handlers from "./handlers.js";

export const handler = sqsWorker({ handlers });
