import type { WebClient } from "@slack/web-api";
import { type Config, DEFAULT_GROUP } from "../../config/config.js";
import { envInt } from "../../config/env-int.js";
import type { DedupStore } from "../../dedup/types.js";
import type { Router } from "../../handlers/router.js";
import type { FlowObserver } from "../../observability/flow.js";
import type { Logger } from "../../observability/logger.js";
import type { Metrics } from "../../observability/metrics.js";
import type { QueueBackend } from "../../queue/types.js";
import { slackRouteLockFromEnv } from "../../slack/route-lock.js";
import { DEFAULT_BACKOFF } from "../../worker/backoff.js";
import { WORKER_DEFAULTS, Worker } from "../../worker/worker.js";

export interface WorkerFlags {
  group?: string;
  concurrency?: number;
  /** --dev: an event no route matched is logged at info (once per type). */
  dev?: boolean;
}

export interface WorkerParts {
  backend: QueueBackend;
  markers: DedupStore;
  metrics: Metrics;
  logger: Logger;
  client: WebClient | undefined;
  observer?: FlowObserver;
}

/** The consumer group a worker of this process joins. */
export const groupOf = (config: Config, flags: WorkerFlags): string =>
  flags.group ?? config.env.SLACKLINE_GROUP ?? DEFAULT_GROUP;

/** A worker configured from the environment (timeouts, attempts, backoff, lease) and the flags. */
export function buildWorker(config: Config, flags: WorkerFlags, parts: WorkerParts, router: Router): Worker {
  const { env } = config;
  const group = groupOf(config, flags);
  parts.metrics.watchQueue(parts.backend, config.topic, [group]);
  const { client } = parts;
  return new Worker({
    ...parts,
    topic: config.topic,
    group,
    router,
    ...(env.SLACKLINE_CONSUMER ? { consumer: env.SLACKLINE_CONSUMER } : {}),
    ...(client ? { client } : {}),
    // Routes with { claim: "slack" } lock through Slack itself (pins or reactions).
    ...(client ? { locks: { slack: slackRouteLockFromEnv(env, client, parts.logger) } } : {}),
    concurrency: flags.concurrency ?? WORKER_DEFAULTS.concurrency,
    unroutedLogLevel: flags.dev ? "info" : "debug",
    handlerTimeoutMs: envInt(
      env.HANDLER_TIMEOUT_MS,
      WORKER_DEFAULTS.handlerTimeoutMs,
      "HANDLER_TIMEOUT_MS",
      1,
    ),
    maxAttempts: envInt(env.MAX_ATTEMPTS, WORKER_DEFAULTS.maxAttempts, "MAX_ATTEMPTS", 1),
    leaseMs: envInt(env.LEASE_MS, WORKER_DEFAULTS.leaseMs, "LEASE_MS", 1),
    backoff: {
      baseMs: envInt(env.RETRY_BASE_MS, DEFAULT_BACKOFF.baseMs, "RETRY_BASE_MS", 1),
      capMs: envInt(env.RETRY_CAP_MS, DEFAULT_BACKOFF.capMs, "RETRY_CAP_MS", 1),
    },
  });
}
