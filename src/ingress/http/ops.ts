import type { IncomingMessage, ServerResponse } from "node:http";
import type { Metrics } from "../../observability/metrics.js";
import type { QueueBackend } from "../../queue/types.js";
import { writeText } from "./reply.js";

/** Something the process depends on: ready only while it answers. */
export interface ReadinessCheck {
  /** Shown in the /readyz answer: a kind of dependency ("queue backend sqlite"), never an address. */
  name: string;
  /** Resolves when the dependency answers; rejects (with why) when it does not. */
  check(): Promise<void>;
}

/** The queue backend answers (its ping). */
export const backendReadiness = (backend: QueueBackend): ReadinessCheck => ({
  name: `queue backend ${backend.name}`,
  check: () => backend.ping(),
});

/** A route a listener serves beside its own: resolves true when it answered. */
export type ExtraRoute = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
) => boolean | Promise<boolean>;

export interface OpsOptions {
  metrics: Metrics;
  readiness: readonly ReadinessCheck[];
}

/** Why the process is not ready (the first dependency that does not answer), or null. */
async function unready(readiness: readonly ReadinessCheck[]): Promise<string | null> {
  const results = await Promise.allSettled(readiness.map((dependency) => dependency.check()));
  const i = results.findIndex((r) => r.status === "rejected");
  if (i === -1) return null;
  const reason = (results[i] as PromiseRejectedResult).reason;
  return `${readiness[i]!.name} unreachable: ${reason instanceof Error ? reason.message : String(reason)}\n`;
}

/**
 * `/healthz` (the process is alive: touches nothing), `/readyz` (every dependency answers; 503 with
 * the first that does not), `/metrics` (Prometheus). Returns false for any other request.
 */
export function opsRoutes(options: OpsOptions): ExtraRoute {
  const { metrics, readiness } = options;
  return (req, res, path) => {
    if (req.method !== "GET") return false;
    if (path === "/healthz") {
      writeText(res, 200, "ok\n");
      return true;
    }
    if (path === "/readyz") {
      void unready(readiness).then((why) =>
        why ? writeText(res, 503, why) : writeText(res, 200, "ready\n"),
      );
      return true;
    }
    if (path === "/metrics") {
      metrics.registry.metrics().then(
        (text) => writeText(res, 200, text, metrics.registry.contentType),
        () => writeText(res, 500, "metrics unavailable\n"),
      );
      return true;
    }
    return false;
  };
}
