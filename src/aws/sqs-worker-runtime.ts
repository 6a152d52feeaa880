import { SQSClient } from "@aws-sdk/client-sqs";
import { awsClientSettings } from "../config/aws.js";
import { DEFAULT_GROUP, loadEnv, readConfig } from "../config/config.js";
import { envInt } from "../config/env-int.js";
import { resolveDedupStore } from "../dedup/registry.js";
import { routerFrom } from "../handlers/load.js";
import { createLogger, type Logger } from "../observability/logger.js";
import { Metrics } from "../observability/metrics.js";
import { SqsDelivery } from "../queue/backends/sqs/delivery.js";
import { parseBody, receiveCount, sentAt, toSeconds } from "../queue/backends/sqs/message.js";
import { createWebClient } from "../slack/client.js";
import { DEFAULT_BACKOFF } from "../worker/backoff.js";
import { processingParts } from "../worker/parts.js";
import type { DeliveryProcessor } from "../worker/processor.js";
import { WORKER_DEFAULTS } from "../worker/worker.js";
import type { SqsWorkerOptions } from "./options.js";
import { LambdaBatchOwner, QueueUrls } from "./sqs-lambda-owner.js";
import {
  messageOf,
  queueOfArn,
  type SqsBatchResponse,
  type SqsEvent,
  type SqsRecord,
} from "./sqs-records.js";

/** Counts a batch's deliveries as they settle; resolves once all have. */
class BatchProgress {
  private left: number;
  private resolve!: () => void;
  readonly settledAll: Promise<void>;

  constructor(count: number) {
    this.left = count;
    this.settledAll = new Promise((r) => {
      this.resolve = r;
    });
    if (count === 0) this.resolve();
  }

  handlersDone = (): void => {};
  settled = (count = 1): void => {
    this.left -= count;
    if (this.left <= 0) this.resolve();
  };
}

/** What one execution environment keeps between invocations: clients, the marker store, queue URLs. */
export class SqsWorkerRuntime {
  private constructor(
    private readonly topic: string,
    private readonly group: string,
    private readonly leaseSeconds: number,
    private readonly queues: QueueUrls,
    private readonly parts: Omit<Parameters<typeof processingParts>[0], "group">,
    private readonly logger: Logger,
  ) {}

  static async open(options: SqsWorkerOptions): Promise<SqsWorkerRuntime> {
    const env = options.env ?? loadEnv();
    const config = readConfig(env);
    const logger = createLogger({ level: config.logLevel });
    const markers = await resolveDedupStore(env, "sqs");
    const leaseMs = envInt(env.LEASE_MS, WORKER_DEFAULTS.leaseMs, "LEASE_MS", 1);
    const sqs = new SQSClient({ ...awsClientSettings(env, "SQS"), useQueueUrlAsEndpoint: false });
    return new SqsWorkerRuntime(
      config.topic,
      options.group ?? (env.SLACKLINE_GROUP?.trim() || DEFAULT_GROUP),
      Math.max(1, toSeconds(leaseMs)),
      new QueueUrls(sqs),
      {
        router: await routerFrom(options.handlers, "sqsWorker({ handlers })"),
        markers,
        metrics: new Metrics(),
        logger,
        client: createWebClient(config),
        handlerTimeoutMs: envInt(
          env.HANDLER_TIMEOUT_MS,
          WORKER_DEFAULTS.handlerTimeoutMs,
          "HANDLER_TIMEOUT_MS",
          1,
        ),
        maxAttempts: envInt(env.MAX_ATTEMPTS, WORKER_DEFAULTS.maxAttempts, "MAX_ATTEMPTS", 1),
        backoff: {
          baseMs: envInt(env.RETRY_BASE_MS, DEFAULT_BACKOFF.baseMs, "RETRY_BASE_MS", 1),
          capMs: envInt(env.RETRY_CAP_MS, DEFAULT_BACKOFF.capMs, "RETRY_CAP_MS", 1),
        },
        leaseMs,
        processedTtlSeconds: WORKER_DEFAULTS.processedTtlSeconds,
      },
      logger,
    );
  }

  /** One batch: the records of each source queue processed together; failures reported by message id. */
  async handle(event: SqsEvent): Promise<SqsBatchResponse> {
    const bySource = new Map<string, SqsRecord[]>();
    for (const record of event.Records ?? []) {
      const list = bySource.get(record.eventSourceARN) ?? [];
      list.push(record);
      bySource.set(record.eventSourceARN, list);
    }
    const failed: string[] = [];
    await Promise.all(
      [...bySource].map(async ([arn, records]) => {
        const done = await this.handleQueue(arn, records).catch((err: unknown) => {
          this.logger.error(
            { err, source: arn },
            "an SQS batch could not be processed; SQS delivers it again",
          );
          return new Set<string>();
        });
        for (const r of records) if (!done.has(r.messageId)) failed.push(r.messageId);
      }),
    );
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  }

  private async handleQueue(arn: string, records: SqsRecord[]): Promise<Set<string>> {
    const { name, account } = queueOfArn(arn);
    const [ops, dlqOps] = await Promise.all([
      this.queues.ops(name, account),
      this.queues.ops(`${name}-dlq`, account),
    ]);
    const owner = new LambdaBatchOwner(this.topic, this.group, ops, dlqOps, this.leaseSeconds);
    const receivedAt = Date.now();
    const deliveries: SqsDelivery[] = [];
    const malformed: Promise<void>[] = [];
    for (const record of records) {
      const message = messageOf(record);
      const envelope = parseBody(message.Body);
      const attempt = receiveCount(message);
      const delivery = new SqsDelivery(
        owner,
        message,
        envelope as never,
        attempt,
        receivedAt,
        sentAt(message) ?? receivedAt,
      );
      // Not JSON: no handler can use it, and delivering it again would never help.
      if (!envelope) malformed.push(delivery.deadLetter("malformed message: not JSON"));
      else deliveries.push(delivery);
    }
    const progress = new BatchProgress(deliveries.length);
    const { processor, leases } = this.processor(progress);
    leases.start();
    try {
      await processor.process(deliveries);
      await progress.settledAll;
      await Promise.allSettled(malformed);
    } finally {
      leases.stop();
    }
    return owner.done;
  }

  private processor(progress: BatchProgress): {
    processor: DeliveryProcessor;
    leases: { start(): void; stop(): void };
  } {
    return processingParts({ ...this.parts, group: this.group }, progress);
  }
}
