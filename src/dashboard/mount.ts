import { type Config, DEFAULT_GROUP } from "../config/config.js";
import { ConfigError } from "../config/config-error.js";
import type { DedupStore } from "../dedup/types.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { QueueBackend } from "../queue/types.js";
import { packageVersion } from "./assets.js";
import { createDashboard, type Dashboard, type DashboardInfo } from "./dashboard.js";
import { hostList } from "./host-check.js";
import { RecentEvents } from "./recent-events.js";

export interface MountOptions {
  config: Config;
  backend: QueueBackend;
  metrics: Metrics;
  logger: Logger;
  /** The dedup store this process opened (null when the backend dedups itself). */
  dedup: DedupStore | null;
  /** The groups to show; default: SLACKLINE_GROUPS if set, else the worker's group. */
  groups?: readonly string[];
  /** `--group` of `start` (the worker's group). */
  group?: string | undefined;
  /** What the process runs (`serve`'s mode; a worker-only process serves no dashboard). */
  mode: NonNullable<DashboardInfo["mode"]> | "worker";
}

export interface MountedDashboard extends Dashboard {
  /** The store of recent events: ingress calls its received(), workers its settled(). */
  recent: RecentEvents;
}

/** The groups a dashboard shows when none are named: SLACKLINE_GROUPS if set, else SLACKLINE_GROUP or "default". */
export function groupsFromConfig(config: Config, group?: string): string[] {
  const listed = hostList(config.env.SLACKLINE_GROUPS);
  const own = group ?? config.env.SLACKLINE_GROUP?.trim() ?? DEFAULT_GROUP;
  return [...new Set([own || DEFAULT_GROUP, ...listed])];
}

/** A dashboard configured from the environment (SLACKLINE_DASHBOARD_TOKEN, SLACKLINE_DASHBOARD_HOSTS). */
export function dashboardFromConfig(options: MountOptions): MountedDashboard {
  const { config, backend } = options;
  const recent = new RecentEvents();
  const dashboard = createDashboard({
    backend,
    topic: config.topic,
    groups: options.groups ?? groupsFromConfig(config, options.group),
    metrics: options.metrics,
    logger: options.logger,
    recent,
    dedup: options.dedup,
    info: {
      version: packageVersion(),
      backend: backend.name,
      startedAt: Date.now(),
      ready: () => backend.ping(),
      mode: options.mode === "worker" ? "standalone" : options.mode,
    },
    host: config.host,
    token: config.env.SLACKLINE_DASHBOARD_TOKEN,
    allowedHosts: hostList(config.env.SLACKLINE_DASHBOARD_HOSTS),
  });
  return { ...dashboard, recent };
}

/**
 * For `slackline start` and `gateway`: the dashboard on the gateway's port. Bound beyond loopback
 * without SLACKLINE_DASHBOARD_TOKEN it stays off with a warning rather than stop the gateway.
 */
export function mountDashboard(options: MountOptions): MountedDashboard | null {
  try {
    return dashboardFromConfig(options);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    options.logger.warn({ err: err.message }, "dashboard off");
    return null;
  }
}
