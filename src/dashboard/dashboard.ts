import type { IncomingMessage, ServerResponse } from "node:http";
import { ConfigError } from "../config/config-error.js";
import type { DedupStore } from "../dedup/types.js";
import { isLoopbackHost } from "../mcp/http-auth.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { QueueBackend } from "../queue/types.js";
import { handleApi } from "./api.js";
import type { BulkRequest, LiveState, Overview, SeriesPoint, Snapshot } from "./api-types.js";
import { Assets } from "./assets.js";
import { DashboardAuth } from "./auth.js";
import { DeadLetterIndex, type DeadLetterIndexOptions } from "./dead-letters.js";
import { HostCheck } from "./host-check.js";
import { readBody, redirect, sameOrigin, send, sendError, sendText } from "./http.js";
import type { RecentEvents } from "./recent-events.js";
import { MetricsSampler } from "./sampler.js";
import { StatusPoller } from "./status.js";
import { LiveStream } from "./stream.js";

export const DASHBOARD_PATH = "/dashboard";

export interface DashboardInfo {
  version: string;
  /** The backend's name as shown. */
  backend: string;
  startedAt: number;
  /** Readiness, as /readyz sees it (rejects when not ready). */
  ready: () => Promise<unknown>;
  /** What this process runs beside the dashboard (default "standalone"). */
  mode?: Overview["mode"];
}

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

const LOGIN_BODY_LIMIT = 4096;

/**
 * The operator's page: live charts of this process's traffic, the consumer groups, the dead letters
 * (filter, replay, purge) and the recent events, mounted on a server that already exists (the
 * gateway's port, or `slackline dashboard`'s own).
 */
export function createDashboard(options: DashboardOptions): Dashboard {
  const { backend, topic, metrics, logger, recent, info } = options;
  if (!isLoopbackHost(options.host) && !options.token?.trim())
    throw new ConfigError(
      `the dashboard would be reachable beyond loopback (${options.host}): set SLACKLINE_DASHBOARD_TOKEN, or bind to 127.0.0.1, or turn it off with --no-dashboard`,
    );
  const auth = new DashboardAuth({ token: options.token });
  const hosts = new HostCheck(options.allowedHosts ?? []);
  const assets = new Assets(options.assetDir);
  if (assets.missing) logger.warn({ dir: assets.dir }, "dashboard page not built: run `npm run build`");
  const sampler = new MetricsSampler(metrics, { intervalMs: options.sampleIntervalMs ?? 1000 });
  const groups = () => [...new Set([...options.groups, ...sampler.groupsSeen()])];
  const status = new StatusPoller({
    backend,
    topic,
    groups,
    ready: info.ready,
    dedup: options.dedup ?? null,
    intervalMs: options.statusIntervalMs ?? 2000,
  });
  const deadLetters = new DeadLetterIndex(backend, topic, options.deadLetters);

  const overview = (): Overview => {
    const reading = sampler.latest();
    const { readiness, dedup } = status.health();
    return {
      version: info.version,
      backend: info.backend,
      durable: backend.durable,
      topic,
      mode: info.mode ?? "standalone",
      startedAt: info.startedAt,
      now: Date.now(),
      readiness,
      dedup: { ...dedup, store: options.dedup?.name ?? backend.name },
      totals: {
        requests: Object.fromEntries(reading?.requests ?? []),
        rejectedByReason: Object.fromEntries(reading?.rejectedByReason ?? []),
        deadLettered: reading?.deadLettered ?? 0,
      },
    };
  };
  const live = (point: SeriesPoint | null): LiveState => ({
    point,
    overview: overview(),
    groups: groups().map((g) => sampler.group(g, status.queue(g))),
    routes: sampler.routes(),
  });
  const snapshot = (): Snapshot => ({ ...live(sampler.latestPoint()), series: sampler.series() });
  const stream = new LiveStream({ snapshot, watch: () => status.watch() });
  let deadLettered = 0;
  const stopTicks = sampler.onPoint((point) => {
    // A worker of this process dead-lettered something: the next page of dead letters is read anew.
    const now = sampler.latest()?.deadLettered ?? 0;
    if (now !== deadLettered) deadLetters.invalidate();
    deadLettered = now;
    stream.tick(live(point));
  });
  sampler.start();

  const onBulk = (action: "replay" | "purge", request: BulkRequest, count: number) =>
    logger.info(
      { action, count, ids: request.ids?.length, filter: request.filter },
      `dashboard: ${action} of dead letters`,
    );
  const apiParts = { auth, deadLetters, recent, stream, snapshot, onBulk };

  const login = async (req: IncomingMessage, res: ServerResponse) => {
    if (!auth.required) return redirect(res, `${DASHBOARD_PATH}/`);
    if (!sameOrigin(req)) return sendText(res, 403, "cross-origin login refused");
    if (auth.loginThrottled())
      return sendText(res, 429, "too many failed logins: wait a minute", { "retry-after": "60" });
    const form = new URLSearchParams(await readBody(req, LOGIN_BODY_LIMIT));
    const session = auth.login(form.get("token") ?? "");
    if (!session) {
      logger.warn({ remote: req.socket.remoteAddress }, "dashboard: failed login");
      return redirect(res, `${DASHBOARD_PATH}/login?failed=1`);
    }
    return redirect(res, `${DASHBOARD_PATH}/`, { "set-cookie": auth.sessionCookie(session, req) });
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (!hosts.allows(req.headers.host))
      return sendText(
        res,
        403,
        "this Host is not one of the dashboard's names (DNS-rebinding protection); see SLACKLINE_DASHBOARD_HOSTS",
      );
    const method = req.method ?? "GET";
    const sub = path.slice(DASHBOARD_PATH.length);
    const get = method === "GET" || method === "HEAD";
    if (sub === "") return redirect(res, `${DASHBOARD_PATH}/`, {}, 308);
    if (get && (sub.startsWith("/assets/") || sub === "/favicon.svg")) {
      if (!assets.serve(res, sub.slice(1), req.headers["if-none-match"])) sendError(res, 404, "not found");
      return;
    }
    if (sub === "/login") {
      if (method === "POST") return login(req, res);
      if (get) return void assets.serve(res, "login.html", req.headers["if-none-match"]);
      return sendError(res, 405, "method not allowed", { allow: "GET, POST" });
    }
    const identity = auth.identify(req);
    if (sub.startsWith("/api/")) {
      if (!identity.ok)
        return sendError(res, 401, "sign in first", {
          "www-authenticate": 'Bearer realm="slackline-dashboard"',
        });
      const q = req.url?.indexOf("?") ?? -1;
      const query = new URLSearchParams(q === -1 ? "" : req.url!.slice(q + 1));
      return handleApi(req, res, sub.slice("/api/".length), query, identity, apiParts);
    }
    if (sub === "/logout" && method === "POST") {
      if (!identity.ok || !auth.csrfValid(req, identity))
        return sendError(res, 403, "missing or wrong CSRF token");
      if (identity.via === "cookie") auth.logout(identity.session);
      return send(res, 204, "", "text/plain; charset=utf-8", {
        "set-cookie": auth.clearedCookie(req),
        "cache-control": "no-store",
      });
    }
    if (sub === "/" && get) {
      if (!identity.ok) return redirect(res, `${DASHBOARD_PATH}/login`);
      return void assets.serve(res, "index.html", req.headers["if-none-match"]);
    }
    sendError(res, 404, "not found");
  };

  return {
    handle(req, res, path) {
      if (path !== DASHBOARD_PATH && !path.startsWith(`${DASHBOARD_PATH}/`)) return false;
      serve(req, res, path).catch((err: unknown) => {
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
      await Promise.all([sampler.stop(), status.stop()]);
    },
  };
}
