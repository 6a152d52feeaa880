// The package entry point: what a Slackline user imports. Internals (the body parser, the publisher,
// the worker's parts) stay out, so they can change without breaking anyone.

// Configuration.
export { type Config, loadEnv, readConfig } from "./config/config.js";
// Errors: every one Slackline raises has a stable code; handlers raise the signals.
export { ConfigError } from "./config/config-error.js";
export type { Env } from "./config/env.js";
// Queue backends and dedup stores: the interfaces plugins implement, and the registry.
export type { ClaimResult, DedupStore, DedupStoreFactory } from "./dedup/types.js";
export { DEFAULT_DEDUP_TTL_SECONDS } from "./dedup/types.js";
// The envelope the queue carries (also for plugin authors).
export type { Envelope, EnvelopeKind } from "./envelope/envelope.js";
export { envelopeJson, isEnvelope } from "./envelope/envelope.js";
export {
  errorText,
  hasCode,
  RetryLaterError,
  SlacklineError,
  type SlacklineErrorCode,
  UnrecoverableError,
} from "./errors.js";
// Handlers: the router, its payload types and the context every handler gets.
export type { Handler, HandlerContext } from "./handlers/context.js";
export type {
  BlockActionsPayload,
  InteractionPayload,
  PayloadFor,
  RouteName,
  SlashCommand,
  ViewSubmissionPayload,
} from "./handlers/payloads.js";
export { type RouteOptions, Router } from "./handlers/router.js";
// Running the parts in your own process.
export { checkSlackSignature, signSlackRequest, verifySlackSignature } from "./ingress/signature.js";
export type { FlowObserver, SettleResult } from "./observability/flow.js";
export { createLogger, type Logger } from "./observability/logger.js";
export { Metrics } from "./observability/metrics.js";
export { resolveBackend } from "./queue/registry.js";
export type {
  BackendInfo,
  ConsumeOptions,
  DeadLetter,
  Delivery,
  QueueBackend,
  QueueBackendFactory,
  QueueStats,
} from "./queue/types.js";
export { DEFAULT_LEASE_MS, dlqTopic, QueueClosedError } from "./queue/types.js";
// Slack: the Web API client and Slack as a lock.
export { createWebClient } from "./slack/client.js";
export {
  type Claim,
  type ClaimResult as SlackClaimResult,
  createSlackLock,
  type LockStrategy,
  LockTargetError,
  SlackLock,
  SlackLockError,
  type SlackLockOptions,
} from "./slack/lock.js";
export { slackRouteLock, slackRouteLockFromEnv } from "./slack/route-lock.js";
export type { LockAcquisition, RouteLock } from "./worker/locks.js";
export { WORKER_DEFAULTS, Worker, type WorkerOptions } from "./worker/worker.js";
