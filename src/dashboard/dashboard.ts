import type { IncomingMessage, ServerResponse } from "node:http";
import { ConfigError } from "../config/config-error.js";
import type { DedupStore } from "../dedup/types.js";
import { isLoopbackHost } from "../mcp/http-auth.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { QueueBackend } from "../queue/types.js";
import { Assets } from "./assets.js";
import { DashboardAuth } from "./auth.js";
import { DeadLetterIndex, type DeadLetterIndexOptions } from "./dead-letters.js";
import { HostCheck } from "./host-check.js";
import { sendError } from "./http.js";
import { type LiveInfo, LiveView } from "./live.js";
import type { RecentEvents } from "./recent-events.js";
import { DASHBOARD_PATH, type RouteParts, serveDashboard } from "./routes.js";
import { LiveStream } from "./stream.js";

export { DASHBOARD_PATH };

/** Version, backend, start time and readiness, as the page's header shows them. */
export type DashboardInfo = LiveInfo;

export interface DashboardOptions {
  backend: QueueBackend;
  topic: string;
  /** Consumer groups to show (those whose workers settle something in this process are added). */
  groups: readonly string[];
  /** This process's metrics: requests, ack latency, workers' figures. */
  metrics: Metrics;
  logger: Logger;
  /** The recent-events store that ingress and workers report to. */
  recent: RecentEvents;
  /** The dedup store this process uses, for its health (null: the backend dedups itself). */
  dedup?: DedupStore | null;
  info: DashboardInfo;
  /** The address the server is bound to: beyond loopback, `token` is required. */
  host: string;
  /** SLACKLINE_DASHBOARD_TOKEN. */
  token?: string | undefined;
  /** Names the Host header may carry besides IP literals, localhost and this machine's name. */
  allowedHosts?: readonly string[];
  /** Where the built page is (default: dist/dashboard-ui of this package). */
  assetDir?: string;
  sampleIntervalMs?: number;
  statusIntervalMs?: number;
  deadLetters?: DeadLetterIndexOptions;
}

export interface Dashboard {
  /** Answers paths under /dashboard (true) and leaves every other path alone (false). */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean;
  /** Ends open streams and timers. Call it before the server's own close(): streams stay open otherwise. */
  close(): Promise<void>;
}

/**
 * The operator's page: live charts of this process's traffic, the consumer groups, the dead letters
 * (filter, replay, purge) and the recent events, mounted on a server that already exists (the
 * gateway's port, or `slackline dashboard`'s own).
 */
export function createDashboard(options: DashboardOptions): Dashboard {
  const { backend, topic, logger, recent } = options;
  if (!isLoopbackHost(options.host) && !options.token?.trim())
    throw new ConfigError(
      `the dashboard would be reachable beyond loopback (${options.host}): set SLACKLINE_DASHBOARD_TOKEN, or bind to 127.0.0.1, or turn it off with --no-dashboard`,
    );
  const auth = new DashboardAuth({ token: options.token });
  const assets = new Assets(options.assetDir);
  if (assets.missing) logger.warn({ dir: assets.dir }, "dashboard page not built: run `npm run build`");
  const live = new LiveView({ ...options, dedup: options.dedup ?? null });
  const deadLetters = new DeadLetterIndex(backend, topic, options.deadLetters);
  const stream = new LiveStream({ snapshot: () => live.snapshot(), watch: () => live.status.watch() });
  let deadLettered = 0;
  const stopTicks = live.sampler.onPoint((point) => {
    // A worker of this process dead-lettered something: the next page of dead letters is read anew.
    if (live.deadLettered() !== deadLettered) deadLetters.invalidate();
    deadLettered = live.deadLettered();
    stream.tick(live.state(point));
  });
  live.start();

  const parts: RouteParts = {
    auth,
    hosts: new HostCheck(options.allowedHosts ?? []),
    assets,
    logger,
    api: {
      auth,
      deadLetters,
      recent,
      stream,
      snapshot: () => live.snapshot(),
      onBulk: (action, request, count) =>
        logger.info(
          { action, count, ids: request.ids?.length, filter: request.filter },
          `dashboard: ${action} of dead letters`,
        ),
    },
  };

  return {
    handle(req, res, path) {
      if (path !== DASHBOARD_PATH && !path.startsWith(`${DASHBOARD_PATH}/`)) return false;
      serveDashboard(req, res, path, parts).catch((err: unknown) => {
        const status = (err as { status?: number }).status;
        if (typeof status === "number") return sendError(res, status, (err as Error).message);
        logger.error({ err }, "dashboard request failed");
        sendError(res, 500, `internal error: ${(err as Error).message}`);
      });
      return true;
    },
    async close() {
      stopTicks();
      stream.close();
      await live.stop();
    },
  };
}
