import type { IncomingMessage, Server } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "../../observability/logger.js";
import type { Metrics } from "../../observability/metrics.js";
import { ThrottledLog } from "../../observability/throttled-log.js";

export interface GuardOptions {
  /** 0: no limit (connections are still counted). */
  maxConnections: number;
  /** The `listener` label and the name in the warning: "slack", "ops". */
  listener: string;
  metrics?: Metrics;
  logger?: Logger;
  /** Near the limit, a connection that sent no complete request within this may be closed (ms). */
  graceMs?: number;
  now?: () => number;
}

/** Above this share of the limit, room is made; down to the second share. */
const PRESSURE = 0.9;
const RELIEVED = 0.75;
/** A request's headers reach us within milliseconds of its connection; a silent one is no client's. */
const DEFAULT_GRACE_MS = 1000;
/** Making room at most this often (a flood refuses thousands of connections a second). */
const RELIEF_EVERY_MS = 50;
const WARN_EVERY_MS = 30_000;

/**
 * Counts a listener's connections and keeps room for real clients near `maxConnections`:
 *
 * - Node refuses connections past the limit at once ("drop"): counted, and one warning per 30 s.
 * - Near the limit, idle keep-alive connections are closed first (their clients reconnect at once),
 *   then connections that sent no complete request for over `graceMs`, oldest first: a silent or
 *   slowloris flood then holds a connection for about a second, not until headersTimeout.
 *
 * Per connection: one map entry, deleted when its first request arrives; nothing per request.
 */
export function guardConnections(server: Server, options: GuardOptions): void {
  const { maxConnections: max, listener } = options;
  const now = options.now ?? Date.now;
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  if (max > 0) server.maxConnections = max;
  const pressure = max > 0 ? Math.max(1, Math.floor(max * PRESSURE)) : Number.POSITIVE_INFINITY;
  const relieved = Math.floor(max * RELIEVED);
  const gauge = options.metrics?.connections.labels(listener);
  const refused = options.metrics?.connectionsRefused.labels(listener);
  const shedCount = options.metrics?.connectionsShed.labels(listener);

  /** Connections that have not sent a complete request head yet, by when they were accepted. */
  const awaitingRequest = new Map<Socket, number>();
  let open = 0;
  let refusedSince = 0;
  let shedSince = 0;
  let lastRelief = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | null = null;

  const warning = new ThrottledLog(WARN_EVERY_MS, () => {
    options.logger?.warn(
      {
        listener,
        max_connections: max,
        refused: refusedSince,
        closed_without_request: shedSince,
      },
      `connection limit reached on the ${listener} listener (${max}): new connections refused, and connections that sent no request closed; a connection flood, or raise HTTP_MAX_CONNECTIONS`,
    );
    refusedSince = 0;
    shedSince = 0;
  });

  function closed(this: Socket): void {
    open--;
    gauge?.dec();
    awaitingRequest.delete(this);
  }

  /** Closes idle keep-alive connections, then silent ones past their grace, down to `relieved`. */
  const relieve = (): void => {
    const at = now();
    if (at - lastRelief < RELIEF_EVERY_MS) {
      schedule(RELIEF_EVERY_MS);
      return;
    }
    lastRelief = at;
    server.closeIdleConnections();
    let excess = open - relieved;
    for (const [socket, acceptedAt] of awaitingRequest) {
      if (excess <= 0) break;
      if (at - acceptedAt < graceMs) {
        schedule(acceptedAt + graceMs - at);
        return;
      }
      awaitingRequest.delete(socket);
      socket.destroy();
      excess--;
      shedSince++;
      shedCount?.inc();
    }
  };

  const schedule = (inMs: number): void => {
    if (timer !== null) return;
    timer = setTimeout(
      () => {
        timer = null;
        if (open >= pressure) relieve();
      },
      Math.max(RELIEF_EVERY_MS, inMs),
    );
    timer.unref();
  };

  server.on("connection", (socket: Socket) => {
    open++;
    gauge?.inc();
    awaitingRequest.set(socket, now());
    socket.once("close", closed);
    if (open >= pressure) relieve();
  });
  server.on("request", (req: IncomingMessage) => {
    awaitingRequest.delete(req.socket);
  });
  server.on("drop", () => {
    refused?.inc();
    refusedSince++;
    warning.hit();
    relieve();
  });
  server.once("close", () => {
    if (timer) clearTimeout(timer);
  });
}
