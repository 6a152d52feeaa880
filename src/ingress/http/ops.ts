import { withDeadline } from "../../deadline.js";
import type { DedupStore } from "../../dedup/types.js";
import { errorMessage } from "../../errors.js";
import type { Logger } from "../../observability/logger.js";
import type { Metrics } from "../../observability/metrics.js";
import { ThrottledLog } from "../../observability/throttled-log.js";
import type { QueueBackend } from "../../queue/types.js";
import { writeText } from "./reply.js";
import type { ExtraRoute } from "./routes.js";

export type { ExtraRoute } from "./routes.js";

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

/** The dedup store answers (its ping; a store without one counts as answering). */
export const dedupReadiness = (store: DedupStore): ReadinessCheck => ({
  name: `dedup store ${store.name}`,
  check: () => store.ping?.() ?? Promise.resolve(),
});

export interface OpsOptions {
  metrics: Metrics;
  readiness: readonly ReadinessCheck[];
  /**
   * Say why a dependency does not answer (its error, which may name a host and port): for the ops
   * listener, on loopback by default. On the Slack-facing port only its kind is said.
   */
  detail?: boolean;
  /** Where "not ready" and why is logged (once a minute at most). */
  logger?: Logger;
}

/** A check that has not answered within this is a dependency that does not answer. */
export const READINESS_TIMEOUT_MS = 2000;

/** The first dependency that does not answer, with why, or null when all answer. */
async function unready(
  readiness: readonly ReadinessCheck[],
): Promise<{ name: string; reason: string; err: unknown } | null> {
  const results = await Promise.allSettled(
    readiness.map((dependency) =>
      withDeadline(Promise.resolve().then(dependency.check), READINESS_TIMEOUT_MS, "the check"),
    ),
  );
  const i = results.findIndex((r) => r.status === "rejected");
  if (i === -1) return null;
  const err = (results[i] as PromiseRejectedResult).reason;
  return { name: readiness[i]!.name, reason: errorMessage(err), err };
}

/**
 * `/healthz` (the process is alive: touches nothing, no queue, no SQLite), `/readyz` (every
 * dependency answers within 2 s; 503 with the first that does not), `/metrics` (Prometheus).
 * Returns false for any other request.
 */
export function opsRoutes(options: OpsOptions): ExtraRoute {
  const { metrics, readiness, detail = false, logger } = options;
  const notReady = new ThrottledLog<{ name: string; err: unknown }>(60_000, ({ name, err }, heldBack) =>
    logger?.warn({ dependency: name, err, since_last_warning: heldBack }, `not ready: ${name} unreachable`),
  );
  return (req, res, path) => {
    if (req.method !== "GET") return false;
    if (path === "/healthz") {
      writeText(res, 200, "ok\n");
      return true;
    }
    if (path === "/readyz") {
      void unready(readiness).then((why) => {
        if (!why) return writeText(res, 200, "ready\n");
        notReady.hit(why);
        writeText(
          res,
          503,
          detail ? `${why.name} unreachable: ${why.reason}\n` : `${why.name} unreachable\n`,
        );
      });
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
