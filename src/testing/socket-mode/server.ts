import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { FakeSlack } from "../fake-slack.js";
import { StandInConnection } from "./connection.js";
import { StandInDelivery } from "./deliveries.js";
import type {
  DisconnectReason,
  SendOptions,
  SocketEnvelopeType,
  SocketModeAck,
  SocketModeConnectionInfo,
  SocketModeDelivery,
} from "./types.js";

export const DEFAULT_APP_TOKEN = "xapp-1-A0BOT-1-fake-app-token";

export interface SocketModeServerOptions {
  /** The fake Web API whose `apps.connections.open` hands out this server's URLs. */
  slack: FakeSlack;
  /** The app-level token the fake accepts (default `xapp-1-A0BOT-1-fake-app-token`). */
  appToken?: string;
  /** Default: the fake's first bot's app id. */
  appId?: string;
  /** An envelope not acked within this is redelivered, as Slack does (default 3000). */
  ackTimeoutMs?: number;
  /** Redeliveries of an unacked envelope before giving up on it (default 3, as Slack). */
  maxRetries?: number;
  /** How often the server pings each client; null for never (default 5000). */
  pingIntervalMs?: number | null;
  host?: string;
}

/** Which connections an action applies to: one (its id), or every open one. */
export interface Target {
  connection?: number;
}

/**
 * A stand-in for Slack's Socket Mode: `apps.connections.open` on a FakeSlack hands out single-use
 * URLs of this WebSocket server, which says `hello`, pushes envelopes (`events_api`, `interactive`,
 * `slash_commands`) in turns across the open connections, records acks with their payloads,
 * redelivers what goes unacked (new envelope_id, `retry_attempt` + 1, `retry_reason: "timeout"`),
 * and can say `disconnect`, drop a socket or stop answering pings.
 */
export class SocketModeServer {
  /** Every delivery, oldest first. */
  readonly deliveries: SocketModeDelivery[] = [];
  /** Every ack received, oldest first (acks of superseded attempts included). */
  readonly acks: SocketModeAck[] = [];
  readonly appToken: string;
  readonly appId: string;
  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true, autoPong: false });
  private readonly tickets = new Set<string>();
  private readonly open = new Map<number, StandInConnection>();
  private readonly byEnvelopeId = new Map<string, StandInDelivery>();
  /** Deliveries waiting for a connection to go out on. */
  private parked: Array<{ delivery: StandInDelivery; options: SendOptions }> = [];
  private readonly waiters = new Set<() => void>();
  private nextConnection = 1;
  private turn = 0;
  private baseUrl: string | null = null;
  private opened = 0;
  private readonly ackTimeoutMs: number;
  private readonly maxRetries: number;

  private constructor(private readonly options: SocketModeServerOptions) {
    this.appToken = options.appToken ?? DEFAULT_APP_TOKEN;
    this.appId = options.appId ?? options.slack.bots[0]?.app_id ?? "A0BOT";
    this.ackTimeoutMs = options.ackTimeoutMs ?? 3000;
    this.maxRetries = options.maxRetries ?? 3;
    this.http = createServer((_req, res) => {
      res.writeHead(426, { "content-type": "text/plain" }).end("WebSocket only\n");
    });
    this.http.on("upgrade", (req, socket, head) => this.upgrade(req, socket, head));
  }

  static async start(options: SocketModeServerOptions): Promise<SocketModeServer> {
    const server = new SocketModeServer(options);
    await server.listen();
    return server;
  }

  /** `ws://127.0.0.1:<port>`. */
  get url(): string {
    if (!this.baseUrl) throw new Error("SocketModeServer is not started");
    return this.baseUrl;
  }

  /** Connections that said hello and are still open. */
  connections(): SocketModeConnectionInfo[] {
    return [...this.open.values()];
  }

  /** How many connections were ever opened (reconnects count). */
  get connectionsOpened(): number {
    return this.opened;
  }

  /** Resolves once at least `count` connections are open (and, with `opened`, that many were ever opened). */
  async waitForConnections(count: number, options: { opened?: number; timeoutMs?: number } = {}) {
    const ready = () => this.open.size >= count && this.opened >= (options.opened ?? 0);
    if (ready()) return;
    const timeoutMs = options.timeoutMs ?? 10_000;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!ready()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${this.open.size} of ${count} Socket Mode connections open after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Pushes one envelope to a client (or parks it until one connects). */
  send(type: SocketEnvelopeType, payload: Record<string, unknown>, options: SendOptions = {}) {
    const delivery = new StandInDelivery(
      type,
      payload,
      options.acceptsResponsePayload ?? type !== "events_api",
      options.redeliver ?? true,
    );
    this.deliveries.push(delivery);
    this.dispatch(delivery, options.retryAttempt ?? 0, options.retryReason ?? "", options);
    return delivery as SocketModeDelivery;
  }

  /** An Events API callback (`type: "event_callback"`, with its `event_id`). */
  event(payload: Record<string, unknown>, options?: SendOptions): SocketModeDelivery {
    return this.send("events_api", payload, options);
  }

  /** An interaction payload (`block_actions`, `view_submission`, `block_suggestion`, ...). */
  interaction(payload: Record<string, unknown>, options?: SendOptions): SocketModeDelivery {
    return this.send("interactive", payload, options);
  }

  /** A slash command's fields (`command`, `text`, `trigger_id`, ...). */
  command(payload: Record<string, unknown>, options?: SendOptions): SocketModeDelivery {
    return this.send("slash_commands", payload, options);
  }

  /** Any text or JSON over the socket, as it is (for testing what a client does with the unexpected). */
  sendRaw(message: unknown, target: Target = {}): void {
    for (const c of this.targets(target)) c.send(message);
  }

  /** Slack's `disconnect` message (the client should reconnect); returns how many were told. */
  disconnect(reason: DisconnectReason, target: Target = {}): number {
    const targets = this.targets(target);
    for (const c of targets) c.disconnect(reason);
    return targets.length;
  }

  /** Drops the TCP connection without a close frame. */
  drop(target: Target = {}): void {
    for (const c of this.targets(target)) c.drop();
  }

  /** Stops answering pings and reading acks, leaving the socket open: a dead link. */
  freeze(target: Target = {}): void {
    for (const c of this.targets(target)) c.freeze();
  }

  async close(): Promise<void> {
    const registered = this.options.slack.workspace.appTokens.get(this.appToken);
    if (registered?.openConnection === this.openConnection) {
      this.options.slack.workspace.appTokens.delete(this.appToken);
    }
    for (const d of this.deliveries) (d as StandInDelivery).giveUp("the Socket Mode stand-in closed");
    for (const c of this.open.values()) c.drop();
    for (const client of this.wss.clients) client.terminate();
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    await closed;
  }

  private async listen(): Promise<void> {
    const host = this.options.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      this.http.once("error", reject);
      this.http.listen(0, host, () => {
        this.http.off("error", reject);
        resolve();
      });
    });
    const { port } = this.http.address() as AddressInfo;
    this.baseUrl = `ws://${host.includes(":") ? `[${host}]` : host}:${port}`;
    this.options.slack.workspace.appTokens.set(this.appToken, {
      token: this.appToken,
      app_id: this.appId,
      openConnection: this.openConnection,
    });
  }

  /** What `apps.connections.open` answers: a URL with a ticket that works once. */
  private readonly openConnection = (): string => {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `${this.url}/link/?ticket=${ticket}&app_id=${this.appId}`;
  };

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ticket = new URL(req.url ?? "/", "ws://stand-in.invalid").searchParams.get("ticket");
    if (ticket === null || !this.tickets.delete(ticket)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = new StandInConnection(this.nextConnection++, ws, {
        pingIntervalMs: this.options.pingIntervalMs === undefined ? 5000 : this.options.pingIntervalMs,
        message: (c, text) => this.received(c, text),
        closed: (c) => {
          this.open.delete(c.id);
          this.changed();
        },
      });
      this.open.set(connection.id, connection);
      this.opened++;
      connection.hello(this.open.size, this.appId);
      const parked = this.parked;
      this.parked = [];
      for (const { delivery, options } of parked) {
        this.dispatch(delivery, options.retryAttempt ?? 0, options.retryReason ?? "", options);
      }
      this.changed();
    });
  }

  private targets(target: Target): StandInConnection[] {
    if (target.connection === undefined) return [...this.open.values()];
    const one = this.open.get(target.connection);
    return one ? [one] : [];
  }

  /** The open connections take turns (so a redelivery usually goes to another one than the first try). */
  private pick(options: SendOptions): StandInConnection | undefined {
    if (options.connection !== undefined) return this.open.get(options.connection);
    const open = [...this.open.values()];
    if (open.length === 0) return undefined;
    return open[this.turn++ % open.length];
  }

  private dispatch(
    delivery: StandInDelivery,
    retryAttempt: number,
    retryReason: string,
    options: SendOptions,
  ): void {
    const connection = this.pick(options);
    if (!connection) {
      this.parked.push({ delivery, options: { ...options, retryAttempt, retryReason } });
      return;
    }
    const attempt = {
      envelope_id: randomUUID(),
      retry_attempt: retryAttempt,
      retry_reason: retryReason,
      connection: connection.id,
      at: Date.now(),
    };
    delivery.attempts.push(attempt);
    delivery.sentAt.push(performance.now());
    this.byEnvelopeId.set(attempt.envelope_id, delivery);
    connection.send(delivery.message(attempt));
    if (!delivery.redeliver) return;
    delivery.timer = setTimeout(() => {
      if (delivery.ack) return;
      if (delivery.attempts.length > this.maxRetries) {
        delivery.giveUp(`not acked after ${delivery.attempts.length} deliveries`);
        return;
      }
      const { connection: _pinned, ...rest } = options;
      this.dispatch(delivery, retryAttempt + 1, "timeout", rest);
    }, this.ackTimeoutMs);
    delivery.timer.unref();
  }

  private received(connection: StandInConnection, text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    const { envelope_id: id, payload } = (message ?? {}) as { envelope_id?: unknown; payload?: unknown };
    if (typeof id !== "string") return;
    const delivery = this.byEnvelopeId.get(id);
    const index = delivery ? delivery.attempts.findIndex((a) => a.envelope_id === id) : -1;
    const ack: SocketModeAck = {
      envelope_id: id,
      payload: isRecord(payload) && Object.keys(payload).length > 0 ? payload : undefined,
      connection: connection.id,
      at: Date.now(),
      ms: index === -1 ? 0 : performance.now() - delivery!.sentAt[index]!,
    };
    this.acks.push(ack);
    delivery?.acknowledge(ack);
  }

  private changed(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
