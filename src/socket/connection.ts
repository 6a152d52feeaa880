import { SocketModeClient } from "@slack/socket-mode";
import { ErrorCode as WebApiErrorCode } from "@slack/web-api";
import { settleWithin } from "../deadline.js";
import { SlacklineError } from "../errors.js";
import type { Logger } from "../observability/logger.js";
import { type BackoffOptions, backoffDelay } from "../worker/backoff.js";
import type { SocketModeEvent } from "./envelope.js";
import { slackLogger } from "./slack-logger.js";
import { tokenRefusal, tokenRefused } from "./token.js";

export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

export interface ConnectionTimings {
  /** The client pings every third of this and drops a socket whose pong is later (a dead socket). */
  clientPingTimeoutMs: number;
  /** Once Slack has pinged, a socket that hears no ping for this long is dropped. */
  serverPingTimeoutMs: number;
  /** A socket that says no `hello` within this is dropped and tried again. */
  helloTimeoutMs: number;
  /** Between failed attempts to connect: exponential from baseMs to capMs, with jitter. */
  backoff: BackoffOptions;
  /**
   * A connection lost after being open this long is reopened at once; one lost sooner counts as a
   * failure (backoff), so a server that drops every new socket is not hammered.
   */
  stableAfterMs: number;
}

export const DEFAULT_TIMINGS: ConnectionTimings = {
  clientPingTimeoutMs: 5000,
  serverPingTimeoutMs: 30_000,
  helloTimeoutMs: 30_000,
  backoff: { baseMs: 1000, capMs: 60_000 },
  stableAfterMs: 10_000,
};

export interface SocketConnectionOptions {
  id: number;
  appToken: string;
  /** Web API base URL for apps.connections.open (SLACK_API_URL); undefined for Slack's own. */
  apiUrl: string | undefined;
  timings: ConnectionTimings;
  logger: Logger;
  onEnvelope(event: SocketModeEvent): void;
  /** The connection opened or went away. */
  onChange(connection: SocketConnection): void;
  /** An open connection was lost, for this reason, and is being reopened. */
  onReconnect(reason: string): void;
}

/** Small frames only are read a second time: a `disconnect` message is some 200 bytes. */
const DISCONNECT_SNIFF_BYTES = 1024;

/**
 * One Socket Mode connection on the official client, which speaks the protocol (apps.connections.open,
 * hello, ping/pong and dead-socket detection, envelopes, acks, disconnect). Reconnecting is done here
 * instead of by the client's autoReconnect: that one waits clientPingTimeout x failures between tries
 * without jitter, keeps retrying a token of the wrong kind (`not_allowed_token_type`) forever, and
 * leaves a rejected promise unhandled (a crash) when apps.connections.open fails during a reconnect.
 * Here: a connection lost after it was stable is reopened at once; a failed try (or a connection
 * lost soon after it opened) waits with backoff and jitter; a refused token fails the first start
 * and is logged as an error afterwards.
 */
export class SocketConnection {
  state: ConnectionState = "connecting";
  private readonly client: SocketModeClient;
  private readonly logger: Logger;
  /** Failed tries (and connections lost before they were stable) since the last stable one. */
  private failures = 0;
  private openedAt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private disconnectReason: string | null = null;

  constructor(private readonly options: SocketConnectionOptions) {
    const { timings } = options;
    this.logger = options.logger.child({ socket_connection: options.id });
    this.client = new SocketModeClient({
      appToken: options.appToken,
      autoReconnectEnabled: false,
      clientPingTimeout: timings.clientPingTimeoutMs,
      serverPingTimeout: timings.serverPingTimeoutMs,
      logger: slackLogger(this.logger),
      clientOptions: {
        ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
        // Retries of apps.connections.open are this class's (with backoff), not the WebClient's.
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: 10_000,
      },
    });
    guardMessageHandling(this.client, this.logger);
    this.client.on("slack_event", options.onEnvelope);
    this.client.on("ws_message", this.sniffDisconnect);
    this.client.on("disconnected", this.lost);
  }

  get id(): number {
    return this.options.id;
  }

  /**
   * The first connect: resolves once open, or once a failure that a retry may cure (Slack not
   * reachable) is being retried in the background; rejects with a ConfigError when the token is refused.
   */
  async open(): Promise<void> {
    try {
      await this.connect();
    } catch (err) {
      const refusal = tokenRefusal(err);
      if (refusal) {
        this.state = "closed";
        throw tokenRefused(refusal, err);
      }
      this.failed(err);
    }
  }

  /** Stops reconnecting and closes the socket (waits at most `timeoutMs` for the close handshake). */
  async close(timeoutMs = 2000): Promise<void> {
    const wasOpen = this.state === "open";
    this.state = "closed";
    clearTimeout(this.retryTimer);
    if (wasOpen) this.options.onChange(this);
    await settleWithin(this.client.disconnect(), timeoutMs);
  }

  private async connect(): Promise<void> {
    const hello = setTimeout(() => void this.client.disconnect(), this.options.timings.helloTimeoutMs);
    hello.unref();
    try {
      await this.client.start();
    } catch (err) {
      // A socket that closed before Slack's hello rejects with nothing.
      throw (
        err ??
        new SlacklineError(
          "SLACKLINE_SOCKET_CLOSED",
          "the Socket Mode connection closed before Slack said hello",
        )
      );
    } finally {
      clearTimeout(hello);
    }
    if (this.state === "closed") {
      await this.client.disconnect();
      return;
    }
    this.openedAt = Date.now();
    this.state = "open";
    this.logger.info("Socket Mode connection open");
    this.options.onChange(this);
  }

  private reconnect(delayMs: number): void {
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.state === "closed") return;
      this.connect().catch((err: unknown) => this.failed(err));
    }, delayMs);
  }

  private failed(err: unknown): void {
    if (this.state === "closed") return;
    this.state = "reconnecting";
    this.failures++;
    const retryAfter = (err as { code?: unknown; retryAfter?: unknown } | undefined)?.retryAfter;
    const delayMs =
      (err as { code?: unknown } | undefined)?.code === WebApiErrorCode.RateLimitedError &&
      typeof retryAfter === "number"
        ? retryAfter * 1000
        : backoffDelay(this.failures, this.options.timings.backoff);
    const refusal = tokenRefusal(err);
    if (refusal) {
      // Revoked while running: only a new token helps, but a retry costs nothing and shows recovery.
      this.logger.error(
        { err: tokenRefused(refusal, err), retry_in_ms: delayMs },
        "Socket Mode token refused",
      );
    } else {
      this.logger.warn(
        { err, attempt: this.failures, retry_in_ms: delayMs },
        "Socket Mode connection failed; retrying",
      );
    }
    this.reconnect(delayMs);
  }

  /** The client emits `disconnected` when a socket it had is gone (a failed start rejects instead). */
  private readonly lost = (): void => {
    if (this.state !== "open") return;
    this.state = "reconnecting";
    const reason = this.disconnectReason ?? "connection_lost";
    this.disconnectReason = null;
    this.options.onChange(this);
    this.options.onReconnect(reason);
    const stable = Date.now() - this.openedAt >= this.options.timings.stableAfterMs;
    this.failures = stable ? 0 : this.failures + 1;
    const delayMs = stable ? 0 : backoffDelay(this.failures, this.options.timings.backoff);
    this.logger.info({ reason, retry_in_ms: delayMs }, "Socket Mode connection closed; reconnecting");
    this.reconnect(delayMs);
  };

  /** The client swallows Slack's `disconnect` message; its reason is read here for the metrics. */
  private readonly sniffDisconnect = (data: unknown): void => {
    if (typeof data !== "string" || data.length > DISCONNECT_SNIFF_BYTES || !data.includes('"disconnect"'))
      return;
    try {
      const message = JSON.parse(data) as { type?: unknown; reason?: unknown };
      if (message.type === "disconnect" && typeof message.reason === "string")
        this.disconnectReason = message.reason;
    } catch {
      // Not JSON: the client ignores it too.
    }
  };
}

/**
 * The client handles each message in an async listener whose rejection nobody handles (an
 * `events_api` envelope without `payload.event` throws there): such a failure is logged here instead
 * of crashing the process. The envelope goes unacked, so Slack redelivers it.
 */
function guardMessageHandling(client: SocketModeClient, logger: Logger): void {
  for (const listener of client.listeners("ws_message")) {
    client.off("ws_message", listener);
    client.on("ws_message", (...args: unknown[]) => {
      try {
        const handled = (listener as (...a: unknown[]) => unknown)(...args);
        if (handled instanceof Promise)
          handled.catch((err: unknown) =>
            logger.warn({ err }, "Socket Mode message not understood; not acked"),
          );
      } catch (err) {
        logger.warn({ err }, "Socket Mode message not understood; not acked");
      }
    });
  }
}
