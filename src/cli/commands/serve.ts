import { type Config, DEFAULT_GROUP, signingSecretsOrDev } from "../../config/config.js";
import { envInt } from "../../config/env-int.js";
import type { DedupStore } from "../../dedup/types.js";
import { loadHandlers } from "../../handlers/load.js";
import { Router } from "../../handlers/router.js";
import { createIngressHandler, type ExtraRoute, listen, type RunningServer } from "../../ingress/server.js";
import type { Logger } from "../../observability/logger.js";
import { Metrics } from "../../observability/metrics.js";
import type { QueueBackend } from "../../queue/types.js";
import { createWebClient } from "../../slack/client.js";
import { slackRouteLockFromEnv } from "../../slack/route-lock.js";
import { DEFAULT_BACKOFF } from "../../worker/backoff.js";
import { WORKER_DEFAULTS, Worker } from "../../worker/worker.js";
import { commandContext, onShutdownSignal } from "../context.js";
import { openBackend, openDedup } from "../runtime.js";

export interface ServeFlags {
  port?: string;
  host?: string;
  handlers?: string;
  group?: string;
  concurrency?: number;
  dev?: boolean;
  mcp?: boolean;
  drainMs?: number;
  /** false with --no-dashboard. */
  dashboard?: boolean;
}

/** Without --handlers, `start` logs each event it receives. */
function loggingRouter(logger: Logger): Router {
  return new Router().onUnknown((_payload, ctx) => {
    const body = ctx.envelope.body as Record<string, unknown>;
    const event = body.event as Record<string, unknown> | undefined;
    logger.info(
      {
        id: ctx.envelope.id,
        kind: ctx.envelope.kind,
        type: event?.type ?? body.type ?? body.command,
        attempt: ctx.attempt,
      },
      "event received (no --handlers given)",
    );
  });
}

function secretsFor(config: Config, flags: ServeFlags, logger: Logger): string[] {
  const { secrets, dev, created } = signingSecretsOrDev(config, { dev: Boolean(flags.dev) });
  if (dev) {
    logger.warn(
      { file: `${config.dataDir}/dev-signing-secret`, created },
      "DEVELOPMENT MODE: using a local development signing secret, not your Slack app's; real Slack requests will be rejected. Set SLACK_SIGNING_SECRET for production",
    );
  }
  return secrets;
}

async function buildWorker(
  config: Config,
  flags: ServeFlags,
  parts: { backend: QueueBackend; markers: DedupStore; metrics: Metrics; logger: Logger },
  router: Router,
): Promise<Worker> {
  const { env } = config;
  const group = flags.group ?? env.SLACKLINE_GROUP ?? DEFAULT_GROUP;
  parts.metrics.watchQueue(parts.backend, config.topic, [group]);
  const client = createWebClient(config);
  return new Worker({
    ...parts,
    topic: config.topic,
    group,
    router,
    ...(env.SLACKLINE_CONSUMER ? { consumer: env.SLACKLINE_CONSUMER } : {}),
    client,
    // Routes with { claim: "slack" } lock through Slack itself (pins or reactions).
    ...(client ? { locks: { slack: slackRouteLockFromEnv(env, client, parts.logger) } } : {}),
    concurrency: flags.concurrency ?? WORKER_DEFAULTS.concurrency,
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

/**
 * `start` (ingress + worker), `gateway` (ingress only) and `worker` (worker only) share this:
 * the same backend, dedup, metrics and shutdown order (stop accepting, drain, close).
 */
export async function serve(mode: "start" | "gateway" | "worker", flags: ServeFlags): Promise<void> {
  const { config, logger } = commandContext(flags);
  const withIngress = mode !== "worker";
  const withWorker = mode !== "gateway";
  const secrets = withIngress ? secretsFor(config, flags, logger) : [];
  const router = withWorker
    ? flags.handlers
      ? await loadHandlers(flags.handlers)
      : loggingRouter(logger)
    : null;
  const backend = await openBackend(config, logger);
  const dedup = await openDedup(config, backend, { ingress: withIngress, worker: withWorker });
  const metrics = new Metrics();

  const worker =
    router && dedup.store
      ? await buildWorker(config, flags, { backend, markers: dedup.store, metrics, logger }, router)
      : null;
  let mcp: { handle: ExtraRoute; close(): Promise<void> } | null = null;
  if (flags.mcp && withIngress) mcp = await mountMcp(config, backend, logger);
  const { mountDashboard, firstRoute } = await import("../../dashboard/mount.js");
  const dashboard =
    withIngress && flags.dashboard !== false
      ? mountDashboard({ config, backend, metrics, logger, dedup: dedup.store, group: flags.group, mode })
      : null;
  const extraRoutes = firstRoute(mcp?.handle, dashboard?.handle);

  let server: RunningServer | null = null;
  if (dedup.publisher) {
    const handler = createIngressHandler({
      backend,
      publisher: dedup.publisher,
      signingSecrets: secrets,
      metrics,
      logger,
      ...(extraRoutes ? { extraRoutes } : {}),
    });
    server = await listen(handler, config.port, config.host);
    logger.info(
      {
        url: `${server.url}/slack/events`,
        mcp: mcp ? `${server.url}/mcp` : undefined,
        dashboard: dashboard ? `${server.url}/dashboard/` : undefined,
      },
      "ingress listening",
    );
  }
  if (worker && router) {
    logger.info({ routes: router.names(), topic: config.topic }, "worker consuming");
    void worker.start().catch((err: Error) => {
      logger.fatal({ err: err.message }, "worker stopped with an error");
      process.exit(1);
    });
  }

  onShutdownSignal(logger, async () => {
    await dashboard?.close(); // its event streams would hold server.close() open
    await server?.close();
    await worker?.stop(flags.drainMs ?? envInt(config.env.DRAIN_MS, WORKER_DEFAULTS.drainMs, "DRAIN_MS"));
    await mcp?.close();
    await dedup.store?.close();
    await backend.close();
  });
}

async function mountMcp(config: Config, backend: QueueBackend, logger: Logger) {
  const { createMcpHttpHandler } = await import("../../mcp/http.js");
  const handler = createMcpHttpHandler({ env: config.env, backend, logger, host: config.host });
  const handle: ExtraRoute = async (req, res, path) => {
    if (path !== "/mcp") return false;
    await handler.handle(req, res);
    return true;
  };
  return { handle, close: () => handler.close() };
}
