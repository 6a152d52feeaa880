import type { Config } from "../../config/config.js";
import { envInt } from "../../config/env-int.js";
import type { DedupStore } from "../../dedup/types.js";
import { listen, type RunningServer } from "../../ingress/http/listen.js";
import {
  backendReadiness,
  dedupReadiness,
  type ExtraRoute,
  opsRoutes,
  type ReadinessCheck,
} from "../../ingress/http/ops.js";
import { routesOnly } from "../../ingress/http/routes.js";
import type { Logger } from "../../observability/logger.js";
import type { Metrics } from "../../observability/metrics.js";
import type { QueueBackend } from "../../queue/types.js";
import { listenerOptions } from "./listener-options.js";

/** Where the ops listener is: OPS_PORT (0 picks a free one) and OPS_HOST (loopback); null when unset. */
export function opsAddress(env: Config["env"]): { port: number; host: string } | null {
  if (env.OPS_PORT === undefined || env.OPS_PORT.trim() === "") return null;
  return { port: envInt(env.OPS_PORT, 0, "OPS_PORT"), host: env.OPS_HOST?.trim() || "127.0.0.1" };
}

/** Every dependency of this process that /readyz checks; others (Socket Mode) append theirs. */
export function readinessOf(backend: QueueBackend, store: DedupStore | null): ReadinessCheck[] {
  return [backendReadiness(backend), ...(store ? [dedupReadiness(store)] : [])];
}

export interface OpsParts {
  metrics: Metrics;
  logger: Logger;
  readiness: readonly ReadinessCheck[];
  /**
   * Routes that belong with the ops endpoints (the MCP server, the dashboard), tried in order after
   * them: on the ops listener when OPS_PORT is set, else on the Slack-facing port.
   */
  routes?: readonly ExtraRoute[];
  /** False for a process without a Slack-facing listener (`worker`): no OPS_PORT, no ops endpoints. */
  slackListener: boolean;
}

export interface Ops {
  /** What the Slack-facing listener serves beside /slack/events: nothing when OPS_PORT is set. */
  slackRoutes: ExtraRoute[];
  /** The ops listener, when OPS_PORT is set. */
  server: RunningServer | null;
  close(): Promise<void>;
}

/**
 * `/healthz`, `/readyz` and `/metrics` (and `routes`): on their own listener when OPS_PORT is set
 * (loopback unless OPS_HOST says otherwise; readiness answers there say why), else on the Slack-facing
 * port as before (readiness answers name only the kind of dependency, never its address).
 */
export async function startOps(config: Config, parts: OpsParts): Promise<Ops> {
  const { metrics, logger, readiness } = parts;
  const routes = parts.routes ?? [];
  const address = opsAddress(config.env);
  if (!address) {
    if (!parts.slackListener) return { slackRoutes: [], server: null, close: async () => {} };
    if (!isLoopback(config.host)) {
      logger.warn(
        { host: config.host },
        "/healthz, /readyz and /metrics are served on the Slack-facing port beyond loopback; set OPS_PORT to serve them on a listener of their own (loopback by default)",
      );
    }
    return {
      slackRoutes: [opsRoutes({ metrics, readiness, logger }), ...routes],
      server: null,
      close: async () => {},
    };
  }
  const handler = routesOnly([opsRoutes({ metrics, readiness, logger, detail: true }), ...routes]);
  const server = await listen(
    handler,
    address.port,
    address.host,
    listenerOptions(config, "ops", metrics, logger),
  );
  logger.info({ ops: server.url, paths: ["/healthz", "/readyz", "/metrics"] }, "ops listening");
  return { slackRoutes: [], server, close: () => server.close() };
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}
