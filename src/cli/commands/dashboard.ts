import type { IncomingMessage, ServerResponse } from "node:http";
import { ConfigError } from "../../config/config.js";
import { parsePort } from "../../config/port.js";
import { dashboardFromConfig, groupsFromConfig } from "../../dashboard/mount.js";
import { listen } from "../../ingress/http/listen.js";
import { Metrics } from "../../observability/metrics.js";
import { commandContext, onShutdownSignal } from "../context.js";
import { listening } from "../errors.js";
import { openBackend, openDedup } from "../runtime.js";
import { listenerOptions } from "../serve/listener-options.js";

export interface DashboardFlags {
  port?: string;
  host?: string;
  group?: string[];
}

export const DEFAULT_DASHBOARD_PORT = 3002;

/**
 * `slackline dashboard`: the dashboard on a port of its own, against the configured backend, with no
 * ingress and no worker in this process (request and worker charts stay empty; queues, dead letters
 * and health are the backend's and cover everything).
 */
export async function dashboard(flags: DashboardFlags): Promise<void> {
  // HOST and PORT are the gateway's: this command binds loopback unless told otherwise.
  const { config, logger } = commandContext({ host: flags.host ?? "127.0.0.1" });
  const port =
    flags.port !== undefined
      ? parsePort(flags.port, null, "--port")
      : parsePort(config.env.SLACKLINE_DASHBOARD_PORT, DEFAULT_DASHBOARD_PORT, "SLACKLINE_DASHBOARD_PORT");
  const backend = await openBackend(config, logger);
  // The dedup store a gateway on this configuration would use, for its health.
  const dedup = await openDedup(config, backend, { ingress: true, worker: false });
  const metrics = new Metrics();
  let dash: ReturnType<typeof dashboardFromConfig>;
  try {
    dash = dashboardFromConfig({
      config,
      backend,
      metrics,
      logger,
      dedup: dedup.store,
      groups: flags.group?.length ? flags.group : groupsFromConfig(config),
      mode: "standalone",
    });
  } catch (err) {
    await dedup.store?.close();
    await backend.close();
    throw err instanceof ConfigError ? err : new ConfigError((err as Error).message, { cause: err });
  }
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    if (dash.handle(req, res, path)) return;
    if (path === "/") {
      res.writeHead(302, { location: "/dashboard/" });
      res.end();
      return;
    }
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end("not found\n");
  };
  const server = await listening(
    listen(answer, port, config.host, listenerOptions(config, "ops", metrics, logger)),
    "--port or SLACKLINE_DASHBOARD_PORT",
  );
  logger.info(
    { url: `${server.url}/dashboard/`, backend: backend.name, topic: config.topic },
    "dashboard listening",
  );
  onShutdownSignal(logger, async () => {
    await dash.close();
    await server.close();
    await dedup.store?.close();
    await backend.close();
  });
}
