import type { SqsWorkerOptions } from "./options.js";
import type { SqsBatchResponse, SqsEvent } from "./sqs-records.js";
import type { SqsWorkerRuntime } from "./sqs-worker-runtime.js";

export type { SqsWorkerOptions };

export type SqsWorkerHandler = (event: SqsEvent) => Promise<SqsBatchResponse>;

/**
 * A Lambda handler for SQS event-source batches (ReportBatchItemFailures on): each record goes
 * through the same worker logic as `slackline worker` (processed-markers, handler timeouts, retries
 * with backoff, dead letters to the group's DLQ), and the records that failed are returned in
 * `batchItemFailures`, so SQS delivers only those again.
 */
export function sqsWorker(options: SqsWorkerOptions): SqsWorkerHandler {
  let runtime: Promise<SqsWorkerRuntime> | null = null;
  return async (event) => {
    runtime ??= import("./sqs-worker-runtime.js").then((m) => m.SqsWorkerRuntime.open(options));
    runtime.catch(() => {
      runtime = null;
    });
    return (await runtime).handle(event);
  };
}
