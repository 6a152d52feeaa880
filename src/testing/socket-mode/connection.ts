import { WebSocket } from "ws";
import type { DisconnectReason, SocketModeConnectionInfo } from "./types.js";

export interface ConnectionHooks {
  pingIntervalMs: number | null;
  /** A text frame from the client (an ack). */
  message(connection: StandInConnection, text: string): void;
  closed(connection: StandInConnection): void;
}

/** How long a connection told to go (`refresh_requested`, `link_disabled`) stays open, as Slack's do. */
const DISCONNECT_GRACE_MS = 5000;

/** One client's WebSocket, as Slack's end sees it: hello, envelopes, pings, disconnect. */
export class StandInConnection implements SocketModeConnectionInfo {
  readonly openedAt = Date.now();
  pingsAnswered = 0;
  private frozen = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    readonly id: number,
    private readonly socket: WebSocket,
    hooks: ConnectionHooks,
  ) {
    // autoPong is off on the server: a frozen connection stops answering the client's pings.
    socket.on("ping", (data) => {
      if (this.frozen) return;
      socket.pong(data);
      this.pingsAnswered++;
    });
    socket.on("message", (data, isBinary) => {
      if (!isBinary && !this.frozen) hooks.message(this, data.toString());
    });
    socket.once("close", () => {
      for (const timer of this.timers) clearTimeout(timer);
      hooks.closed(this);
    });
    socket.on("error", () => {});
    if (hooks.pingIntervalMs !== null) {
      const ping = setInterval(() => {
        if (!this.frozen && this.open) socket.ping();
      }, hooks.pingIntervalMs);
      ping.unref();
      this.timers.push(ping);
    }
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(message: unknown): void {
    if (this.open) this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  hello(numConnections: number, appId: string): void {
    this.send({
      type: "hello",
      num_connections: numConnections,
      debug_info: { host: `applink-fake-${this.id}`, build_number: 1, approximate_connection_time: 18060 },
      connection_info: { app_id: appId },
    });
  }

  /** Slack's `disconnect` message; but for a `warning`, the socket is closed after a grace period. */
  disconnect(reason: DisconnectReason): void {
    this.send({ type: "disconnect", reason, debug_info: { host: `applink-fake-${this.id}` } });
    if (reason === "warning") return;
    const timer = setTimeout(() => this.close(), DISCONNECT_GRACE_MS);
    timer.unref();
    this.timers.push(timer);
  }

  /** The TCP connection goes away without a close frame (a network failure, a crashed host). */
  drop(): void {
    this.socket.terminate();
  }

  /** Stops answering pings and reading acks: a dead link that is still open. */
  freeze(): void {
    this.frozen = true;
  }

  close(): void {
    if (this.open) this.socket.close(1000);
  }
}
