import { Redis, type RedisOptions } from "ioredis";
import { settleWithin } from "../../../deadline.js";
import type { Logger } from "../../../observability/logger.js";

export interface ConnectOptions {
  commandTimeoutMs: number;
  /** Shown in CLIENT LIST, so an operator can tell gateways from workers. */
  connectionName?: string;
  logger?: Logger;
  /**
   * Commands the caller batches itself ("all": every one). ioredis auto-pipelining (the commands of
   * one tick as one write) stays on for the rest, such as the dedup claims of concurrent requests; on a
   * command that is already one per turn it only adds a pipeline object and a loop iteration of delay,
   * which measured about 5 µs per delivery in a worker's marker lookups.
   */
  batchedByCaller?: "all" | readonly string[];
}

/** Reconnect quickly (Redis restarts are short), never give up: everything resumes by itself. */
const retryStrategy = (times: number): number =>
  Math.min(50 * 2 ** Math.min(times, 5), 1000) + Math.floor(Math.random() * 100);

/**
 * The command connection: fail fast while Redis is away (no offline queue, no resend of a command
 * whose answer was lost, a per-command timeout), so ingress answers 503 instead of piling up work.
 */
export function commandClient(url: string, options: ConnectOptions): Redis {
  const client = new Redis(url, {
    ...baseOptions(options),
    commandTimeout: options.commandTimeoutMs,
    enableAutoPipelining: options.batchedByCaller !== "all",
    autoPipeliningIgnoredCommands:
      options.batchedByCaller === "all" ? [] : [...(options.batchedByCaller ?? [])],
  });
  watchErrors(client, options.logger);
  return client;
}

/**
 * A consumer's own connection for XREADGROUP BLOCK (a blocked read would stall every other command
 * on a shared connection). No command timeout (it would cut the block short); `blockingTimeout`
 * rejects a read that outlives its BLOCK by more than the grace, which catches a hung server.
 */
export function blockingClient(url: string, options: ConnectOptions): Redis {
  const client = new Redis(url, {
    ...baseOptions(options),
    blockingTimeout: 1000,
    blockingTimeoutGrace: Math.max(1000, options.commandTimeoutMs),
  });
  watchErrors(client, options.logger);
  return client;
}

function baseOptions(options: ConnectOptions): RedisOptions {
  return {
    // RESP2: the reply shapes of stream commands and scripts are the same on every server version.
    protocol: 2,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: Math.max(1000, options.commandTimeoutMs),
    retryStrategy,
    ...(options.connectionName ? { connectionName: options.connectionName } : {}),
  };
}

/** The last connection error of each client, for a readiness message that says what is wrong. */
const lastErrors = new WeakMap<Redis, string>();

/** Why `client` cannot reach Redis, if it is not connected (e.g. "connect ECONNREFUSED 127.0.0.1:6379"). */
export function connectionProblem(client: Redis): string | undefined {
  return client.status === "ready" ? undefined : (lastErrors.get(client) ?? `connection ${client.status}`);
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(
    /\/\/([^@/]*)@/,
    (_, auth: string) => `//${auth.includes(":") ? `${auth.split(":")[0]}:***` : "***"}@`,
  );
}

/** ioredis emits every reconnect failure as an "error" event; log each outage once, not every retry. */
function watchErrors(client: Redis, logger: Logger | undefined): void {
  let down = false;
  client.on("error", (err: Error) => {
    lastErrors.set(client, err.message);
    if (down) return;
    down = true;
    logger?.warn({ err }, "redis connection lost; reconnecting");
  });
  client.on("ready", () => {
    lastErrors.delete(client);
    if (down) logger?.info("redis connection restored");
    down = false;
  });
}

/** Connects, resolving once ready or once the first attempt failed (it keeps retrying in the background). */
export async function connect(client: Redis): Promise<void> {
  if (client.status !== "wait") return;
  await client.connect().catch(() => {});
}

/** QUIT politely, but never hang on a server that is gone. */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === "end") return;
  if (client.status !== "ready") {
    client.disconnect();
    return;
  }
  await settleWithin(client.quit(), 1000);
  client.disconnect();
}
