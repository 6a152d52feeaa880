import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Metrics } from "../../observability/metrics.js";
import type { IngressCore } from "../core.js";
import { bodyFormat } from "../parse.js";
import {
  bodyTooLarge,
  type IngressResult,
  rejected,
  UNSUPPORTED_CONTENT_TYPE,
  WRONG_METHOD,
} from "../results.js";
import { AckBatch } from "./ack-batch.js";
import { DEFAULT_MAX_BODY_BYTES, readBody } from "./body.js";
import { writeResult } from "./reply.js";
import { type ExtraRoute, pathOf, routeChain } from "./routes.js";

export const EVENTS_PATH = "/slack/events";

export interface HttpIngressOptions {
  /** Null: no /slack/events (Socket Mode alone), only `routes` (ops, MCP) are served. */
  core: IngressCore | null;
  metrics: Metrics;
  maxBodyBytes?: number;
  /** Routes served beside /slack/events on the same port, tried in order (ops, MCP, dashboard). */
  routes?: readonly ExtraRoute[];
}

const NOT_FOUND = rejected("not_found", "not found");

/**
 * The HTTP adapter of the ingress core: `POST /slack/events` with the method, content-type and
 * size checks that need the request itself, then the core; other paths go to `routes`.
 */
export function createHttpIngress(
  options: HttpIngressOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { core, metrics } = options;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const routes = options.routes ?? [];
  const acks = new AckBatch(metrics.ackSeconds);
  // Stop reading; close the connection after answering rather than draining a huge body.
  const tooLarge = bodyTooLarge(maxBody, { connection: "close" });

  const turnAway = (res: ServerResponse, result: IngressResult) => {
    metrics.requests.labels("rejected", result.reason ?? "").inc();
    writeResult(res, result);
  };

  const events = (core: IngressCore, req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    if (req.method !== "POST") return turnAway(res, WRONG_METHOD);
    const format = bodyFormat(req.headers["content-type"]);
    if (!format) return turnAway(res, UNSUPPORTED_CONTENT_TYPE);
    const receivedAt = Date.now();
    readBody(req, maxBody, {
      done: (rawBody) => {
        const result = core.handle({ headers: req.headers, rawBody, receivedAt, format });
        // Only deliveries are timed: they are what Slack waits on.
        if (result instanceof Promise) acks.answerLater(res, started, result);
        else writeResult(res, result);
      },
      tooLarge: () => turnAway(res, tooLarge),
      failed: () => res.destroy(),
    });
  };

  const others = routeChain(routes, (_req, res) => turnAway(res, NOT_FOUND));

  return (req, res) => {
    const path = pathOf(req.url);
    if (path === EVENTS_PATH && core) return events(core, req, res);
    others(req, res, path);
  };
}
