import type { Config } from "../../config/config.js";
import { envInt } from "../../config/env-int.js";
import { securePrivateFiles } from "../../config/private-files.js";
import type { Router } from "../../handlers/router.js";
import { createHttpIngress } from "../../ingress/http/handler.js";
import { listen, type RunningServer } from "../../ingress/http/listen.js";
import type { ExtraRoute } from "../../ingress/http/ops.js";
import type { Logger } from "../../observability/logger.js";
import { Metrics } from "../../observability/metrics.js";
import type { QueueBackend } from "../../queue/types.js";
import { createWebClient } from "../../slack/client.js";
import type { SocketModeIngress } from "../../socket/ingress.js";
import { WORKER_DEFAULTS } from "../../worker/worker.js";
import { listening } from "../errors.js";
import { openBackend, openDedup } from "../runtime.js";
import { buildIngressCore, signingSecrets } from "./ingress.js";
import { listenerOptions } from "./listener-options.js";
import { opsAddress, readinessOf, startOps } from "./ops.js";
import { openSocketMode, socketModeIngress, socketModeSettings } from "./socket.js";
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
  socketMode?: boolean;
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
  const socket = withIngress ? socketModeSettings(config, flags) : null;
  const secrets =
    withIngress && socket?.http !== false ? signingSecrets(config, Boolean(flags.dev), logger) : [];
  securePrivateFiles(config, logger);
  const backend = await openBackend(config, logger);
  const dedup = await openDedup(config, backend, { ingress: withIngress, worker: withWorker }, logger);
  const metrics = new Metrics();
  const client = createWebClient(config);
  const { mountDashboard } = await import("../../dashboard/mount.js");
  const dashboard =
    withIngress && flags.dashboard !== false
      ? mountDashboard({
          // Served where the ops endpoints are: its token rule checks that listener's host.
          config: { ...config, host: opsAddress(config.env)?.host ?? config.host },
          backend,
          metrics,
          logger,
          dedup: dedup.store,
          group: flags.group,
          mode,
        })
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
  // With OPS_PORT, /mcp and the dashboard are served there (loopback by default), not on the port
  // exposed to Slack.
  if (flags.mcp && withIngress)
    mcp = await mountMcp(config, backend, logger, opsAddress(config.env)?.host ?? config.host);
  const readiness = readinessOf(backend, dedup.store);
  const ops = await startOps(config, {
    metrics,
    logger,
    readiness,
    routes: [...(mcp ? [mcp.handle] : []), ...(dashboard ? [dashboard.handle] : [])],
    slackListener: withIngress,
  });

  let server: RunningServer | null = null;
  let socketMode: SocketModeIngress | null = null;
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
    socketMode = socket && socketModeIngress(config, socket, { core, metrics, logger });
    // Not ready until a socket is open: the ops routes read this list at each /readyz.
    if (socketMode) readiness.push(socketMode.readiness);
    const handler = createHttpIngress({
      core: secrets.length > 0 ? core : null,
      metrics,
      routes: ops.slackRoutes,
    });
    server = await listening(
      listen(handler, config.port, config.host, listenerOptions(config, "slack", metrics, logger)),
      "--port or PORT",
    );
    const opsUrl = (ops.server ?? server).url;
    logger.info(
      {
        url: secrets.length > 0 ? `${server.url}/slack/events` : undefined,
        ops: opsUrl,
        socket_mode: socket ? { connections: socket.connections } : undefined,
        mcp: mcp ? `${opsUrl}/mcp` : undefined,
        dashboard: dashboard ? `${opsUrl}/dashboard/` : undefined,
        responders: router?.responders.routes(),
      },
      "ingress listening",
    );
    if (socketMode) await openSocketMode(socketMode, logger);
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
      await socketMode?.stop();
      await dashboard?.close(); // its event streams would hold server.close() open
      await server?.close();
      await ops.close();
      await worker?.stop(flags.drainMs ?? envInt(config.env.DRAIN_MS, WORKER_DEFAULTS.drainMs, "DRAIN_MS"));
      await mcp?.close();
      await dedup.store?.close();
      await backend.close();
    },
  };
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
