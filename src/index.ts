// The package entry point: what a Slackline user imports.
export { type Config, ConfigError, loadEnv, readConfig } from "./config/config.js";
export type { Env } from "./config/env.js";
export { type ClaimResult, DEFAULT_DEDUP_TTL_SECONDS, type DedupStore } from "./dedup/types.js";
export type { Envelope, EnvelopeKind } from "./envelope/envelope.js";
export { envelopeJson, isEnvelope } from "./envelope/envelope.js";
export type { Handler, HandlerContext } from "./handlers/context.js";
export { loadHandlers } from "./handlers/load.js";
export type {
  BlockActionsPayload,
  InteractionPayload,
  PayloadFor,
  RouteName,
  SlashCommand,
  ViewSubmissionPayload,
} from "./handlers/payloads.js";
export { payloadOf, type Route, type RouteOptions, Router, routeNamesOf } from "./handlers/router.js";
export { IngressCore, type IngressCoreOptions } from "./ingress/core.js";
export { createHttpIngress, type HttpIngressOptions } from "./ingress/http/handler.js";
export { listen } from "./ingress/http/listen.js";
export { bodyFormat, parseSlackBody } from "./ingress/parse.js";
export { IngressPublisher } from "./ingress/publisher.js";
export { checkSlackSignature, signSlackRequest, verifySlackSignature } from "./ingress/signature.js";
export { createLogger, type Logger } from "./observability/logger.js";
export { Metrics } from "./observability/metrics.js";
export { MemoryQueue } from "./queue/backends/memory.js";
export { availableBackends, discoverPlugins, resolveBackend } from "./queue/registry.js";
export type {
  ConsumeOptions,
  DeadLetter,
  Delivery,
  QueueBackend,
  QueueBackendFactory,
  QueueStats,
} from "./queue/types.js";
export { dlqTopic, QueueClosedError } from "./queue/types.js";
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
export { backoffDelay } from "./worker/backoff.js";
export type { LockAcquisition, RouteLock } from "./worker/locks.js";
export { WORKER_DEFAULTS, Worker, type WorkerOptions } from "./worker/worker.js";
