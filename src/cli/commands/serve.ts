import type { Config } from "../../config/config.js";
import { envInt } from "../../config/env-int.js";
import { securePrivateFiles } from "../../config/private-files.js";
import { loadHandlers } from "../../handlers/load.js";
import { Router } from "../../handlers/router.js";
import { createHttpIngress } from "../../ingress/http/handler.js";
import { listen, type RunningServer } from "../../ingress/http/listen.js";
import type { ExtraRoute } from "../../ingress/http/ops.js";
import type { Logger } from "../../observability/logger.js";
import { Metrics } from "../../observability/metrics.js";
import type { QueueBackend } from "../../queue/types.js";
import { createWebClient } from "../../slack/client.js";
import { WORKER_DEFAULTS } from "../../worker/worker.js";
import { commandContext, onShutdownSignal } from "../context.js";
import { openBackend, openDedup } from "../runtime.js";
import { buildIngressCore, signingSecrets } from "../serve/ingress.js";
import { listenerOptions } from "../serve/listener-options.js";
import { opsAddress, readinessOf, startOps } from "../serve/ops.js";
import { buildWorker } from "../serve/worker.js";

export interface ServeFlags {
  port?: string;
  host?: string;
  handlers?: string;
  group?: string;
  concurrency?: number;
  dev?: boolean;
  mcp?: boolean;
  drainMs?: number;
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

/**
 * `start` (ingress + worker), `gateway` (ingress only; with --handlers its responders answer inline)
 * and `worker` (worker only) share this: the same backend, dedup, metrics and shutdown order (stop
 * accepting, drain, close).
 */
export async function serve(mode: "start" | "gateway" | "worker", flags: ServeFlags): Promise<void> {
  const { config, logger } = commandContext(flags);
  const withIngress = mode !== "worker";
  const withWorker = mode !== "gateway";
  const secrets = withIngress ? signingSecrets(config, Boolean(flags.dev), logger) : [];
  securePrivateFiles(config, logger);
  const router = flags.handlers
    ? await loadHandlers(flags.handlers)
    : withWorker
      ? loggingRouter(logger)
      : null;
  const backend = await openBackend(config, logger);
  const dedup = await openDedup(config, backend, { ingress: withIngress, worker: withWorker }, logger);
  const metrics = new Metrics();
  const client = createWebClient(config);

  const worker =
    withWorker && router && dedup.store
      ? buildWorker(config, flags, { backend, markers: dedup.store, metrics, logger, client }, router)
      : null;
  let mcp: { handle: ExtraRoute; close(): Promise<void> } | null = null;
  // With OPS_PORT, /mcp is served there (loopback by default), not on the port exposed to Slack.
  if (flags.mcp && withIngress)
    mcp = await mountMcp(config, backend, logger, opsAddress(config.env)?.host ?? config.host);
  const ops = await startOps(config, {
    metrics,
    logger,
    readiness: readinessOf(backend, dedup.store),
    routes: mcp ? [mcp.handle] : [],
    slackListener: withIngress,
  });

  let server: RunningServer | null = null;
  if (dedup.publisher) {
    const core = buildIngressCore(config, {
      publisher: dedup.publisher,
      secrets,
      metrics,
      logger,
      client,
      router,
    });
    const handler = createHttpIngress({ core, metrics, routes: ops.slackRoutes });
    server = await listen(
      handler,
      config.port,
      config.host,
      listenerOptions(config, "slack", metrics, logger),
    );
    logger.info(
      {
        url: `${server.url}/slack/events`,
        mcp: mcp ? `${(ops.server ?? server).url}/mcp` : undefined,
        responders: router?.responders.routes(),
      },
      "ingress listening",
    );
  }
  if (worker && router) {
    logger.info({ routes: router.names(), topic: config.topic }, "worker consuming");
    void worker.start().catch((err: Error) => {
      logger.fatal({ err }, "worker stopped with an error");
      process.exit(1);
    });
  }

  onShutdownSignal(logger, async () => {
    await server?.close();
    await ops.close();
    await worker?.stop(flags.drainMs ?? envInt(config.env.DRAIN_MS, WORKER_DEFAULTS.drainMs, "DRAIN_MS"));
    await mcp?.close();
    await dedup.store?.close();
    await backend.close();
  });
}

async function mountMcp(config: Config, backend: QueueBackend, logger: Logger, host: string) {
  const { createMcpHttpHandler } = await import("../../mcp/http.js");
  const handler = createMcpHttpHandler({ env: config.env, backend, logger, host });
  const handle: ExtraRoute = async (req, res, path) => {
    if (path !== "/mcp") return false;
    await handler.handle(req, res);
    return true;
  };
  return { handle, close: () => handler.close() };
}
