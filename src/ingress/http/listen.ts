import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../../observability/logger.js";
import type { Metrics } from "../../observability/metrics.js";
import { guardConnections } from "./connection-guard.js";
import { type ConnectionLimits, DEFAULT_LIMITS } from "./limits.js";

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ListenOptions extends Partial<ConnectionLimits> {
  /** The `listener` label of the connection metrics: "slack", "ops". */
  name?: string;
  metrics?: Metrics;
  logger?: Logger;
}

/** headersTimeout and requestTimeout are enforced by a sweep this often (Node's default: 30 s). */
const TIMEOUT_SWEEP_MS = 1000;

/**
 * Listens on host:port (port 0 picks a free one) and resolves once listening, with the connection
 * limits (./limits.ts) and the connection guard (./connection-guard.ts) every Slackline listener has.
 */
export function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  port: number,
  host: string,
  options: ListenOptions = {},
): Promise<RunningServer> {
  const limits = { ...DEFAULT_LIMITS, ...options };
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_SWEEP_MS,
    },
    handler,
  );
  guardConnections(server, {
    maxConnections: limits.maxConnections,
    listener: options.name ?? "slack",
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
      resolve({
        server,
        port: address.port,
        url: `http://${shownHost}:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
