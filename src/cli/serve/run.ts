import type { Config } from "../../config/config.js";
import { envInt } from "../../config/env-int.js";
import type { Router } from "../../handlers/router.js";
import { createHttpIngress } from "../../ingress/http/handler.js";
import { listen, type RunningServer } from "../../ingress/http/listen.js";
import { backendReadiness, type ExtraRoute, opsRoutes } from "../../ingress/http/ops.js";
import type { Logger } from "../../observability/logger.js";
import { Metrics } from "../../observability/metrics.js";
import type { QueueBackend } from "../../queue/types.js";
import { createWebClient } from "../../slack/client.js";
import { WORKER_DEFAULTS } from "../../worker/worker.js";
import { listening } from "../errors.js";
import { openBackend, openDedup } from "../runtime.js";
import { buildIngressCore, signingSecrets } from "./ingress.js";
import { buildWorker } from "./worker.js";

export type ServeMode = "start" | "gateway" | "worker";

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

export interface Running {
  /** Stop accepting, drain the worker until its deadline, close everything. */
  stop(): Promise<void>;
}

/**
 * What `start` (ingress + worker), `gateway` (ingress; a router's responders answer inline) and
 * `worker` share: the same backend, dedup, metrics and shutdown order (stop accepting, drain, close).
 */
export async function runServe(
  mode: ServeMode,
  flags: ServeFlags,
  { config, logger }: { config: Config; logger: Logger },
  router: Router | null,
): Promise<Running> {
  const withIngress = mode !== "worker";
  const withWorker = mode !== "gateway";
  const secrets = withIngress ? signingSecrets(config, Boolean(flags.dev), logger) : [];
  const backend = await openBackend(config, logger);
  const dedup = await openDedup(config, backend, { ingress: withIngress, worker: withWorker });
  const metrics = new Metrics();
  const client = createWebClient(config);
  const { mountDashboard } = await import("../../dashboard/mount.js");
  const dashboard =
    withIngress && flags.dashboard !== false
      ? mountDashboard({ config, backend, metrics, logger, dedup: dedup.store, group: flags.group, mode })
      : null;
  const flow = dashboard ? { observer: dashboard.recent } : {};

  const worker =
    withWorker && router && dedup.store
      ? buildWorker(
          config,
          flags,
          { backend, markers: dedup.store, metrics, logger, client, ...flow },
          router,
        )
      : null;
  let mcp: { handle: ExtraRoute; close(): Promise<void> } | null = null;
  if (flags.mcp && withIngress) mcp = await mountMcp(config, backend, logger);

  let server: RunningServer | null = null;
  if (dedup.publisher) {
    const core = buildIngressCore(config, {
      publisher: dedup.publisher,
      secrets,
      metrics,
      logger,
      client,
      router,
      ...flow,
    });
    const ops = opsRoutes({ metrics, readiness: [backendReadiness(backend)] });
    const routes = [ops, ...(mcp ? [mcp.handle] : []), ...(dashboard ? [dashboard.handle] : [])];
    const handler = createHttpIngress({ core, metrics, routes });
    server = await listening(listen(handler, config.port, config.host), "--port or PORT");
    logger.info(
      {
        url: `${server.url}/slack/events`,
        mcp: mcp ? `${server.url}/mcp` : undefined,
        dashboard: dashboard ? `${server.url}/dashboard/` : undefined,
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

  return {
    async stop() {
      await dashboard?.close(); // its event streams would hold server.close() open
      await server?.close();
      await worker?.stop(flags.drainMs ?? envInt(config.env.DRAIN_MS, WORKER_DEFAULTS.drainMs, "DRAIN_MS"));
      await mcp?.close();
      await dedup.store?.close();
      await backend.close();
    },
  };
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
