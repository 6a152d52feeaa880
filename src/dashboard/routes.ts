import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../observability/logger.js";
import { type ApiParts, handleApi } from "./api.js";
import type { Assets } from "./assets.js";
import type { DashboardAuth } from "./auth.js";
import type { HostCheck } from "./host-check.js";
import { readBody, redirect, sameOrigin, send, sendError, sendText } from "./http.js";

export const DASHBOARD_PATH = "/dashboard";
const LOGIN_BODY_LIMIT = 4096;

export interface RouteParts {
  auth: DashboardAuth;
  hosts: HostCheck;
  assets: Assets;
  api: ApiParts;
  logger: Logger;
}

/** POST /dashboard/login: the login form's token for a session cookie. */
async function login(req: IncomingMessage, res: ServerResponse, { auth, logger }: RouteParts): Promise<void> {
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
}

/**
 * Everything under /dashboard: the Host check first (DNS rebinding), then the files anyone may
 * load (the bundles, the login form), then only for a signed-in identity the page and the API.
 */
export async function serveDashboard(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  parts: RouteParts,
): Promise<void> {
  const { auth, hosts, assets } = parts;
  if (!hosts.allows(req.headers.host))
    return sendText(
      res,
      403,
      "this Host is not one of the dashboard's names (DNS-rebinding protection); see SLACKLINE_DASHBOARD_HOSTS",
    );
  const method = req.method ?? "GET";
  const sub = path.slice(DASHBOARD_PATH.length);
  const get = method === "GET" || method === "HEAD";
  const etag = req.headers["if-none-match"];
  if (sub === "") return redirect(res, `${DASHBOARD_PATH}/`, {}, 308);
  if (get && (sub.startsWith("/assets/") || sub === "/favicon.svg")) {
    if (!assets.serve(res, sub.slice(1), etag)) sendError(res, 404, "not found");
    return;
  }
  if (sub === "/login") {
    if (method === "POST") return login(req, res, parts);
    if (get) return void assets.serve(res, "login.html", etag);
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
    return handleApi(req, res, sub.slice("/api/".length), query, identity, parts.api);
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
    return void assets.serve(res, "index.html", etag);
  }
  sendError(res, 404, "not found");
}
