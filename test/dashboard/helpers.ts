import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { createDashboard, type Dashboard, type DashboardOptions } from "../../src/dashboard/dashboard.js";
import { RecentEvents } from "../../src/dashboard/recent-events.js";
import { listen, type RunningServer } from "../../src/ingress/http/listen.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { MemoryQueue } from "../../src/queue/backends/memory.js";
import type { QueueBackend } from "../../src/queue/types.js";

export const TOKEN = "a-dashboard-token-long-enough";

export interface TestDashboard extends RunningServer {
  dashboard: Dashboard;
  backend: QueueBackend;
  metrics: Metrics;
  recent: RecentEvents;
  stop(): Promise<void>;
}

/** A dashboard on a real loopback server of its own (port 0), over a real backend (memory by default). */
export async function startDashboard(options: Partial<DashboardOptions> = {}): Promise<TestDashboard> {
  const backend = options.backend ?? new MemoryQueue();
  const metrics = options.metrics ?? new Metrics();
  const recent = options.recent ?? new RecentEvents();
  const dashboard = createDashboard({
    backend,
    topic: "slack_events",
    groups: ["default"],
    metrics,
    logger: silentLogger,
    recent,
    info: {
      version: "test",
      backend: backend.name,
      startedAt: Date.now(),
      ready: () => backend.ping(),
      mode: "start",
    },
    host: "127.0.0.1",
    sampleIntervalMs: 100,
    statusIntervalMs: 100,
    ...options,
  });
  const server = await listen(
    (req, res) => {
      const path = (req.url ?? "/").split("?")[0]!;
      if (!dashboard.handle(req, res, path)) {
        res.writeHead(404);
        res.end();
      }
    },
    0,
    "127.0.0.1",
  );
  return {
    ...server,
    dashboard,
    backend,
    metrics,
    recent,
    stop: async () => {
      await dashboard.close();
      await server.close();
      await backend.close();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request with every header as given, Host included (fetch would not let a test set Host). */
export function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** The session cookie's `name=value` from a Set-Cookie header. */
export const cookieOf = (res: RawResponse): string =>
  String(res.headers["set-cookie"]?.[0] ?? "").split(";")[0]!;
