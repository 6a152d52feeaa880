import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { Logger } from "../observability/logger.js";

export interface Session {
  id: string;
  /** Who opened it: `token:<n>` (the n-th bearer token) or `addr:<remote address>`. */
  client: string;
  server: McpServer;
  transport: StreamableHTTPServerTransport;
  lastSeen: number;
  /** POSTs not answered yet: such a session is never idle. */
  inflight: number;
}

/** Why a new session was refused: the caller answers with this status and message. */
export interface Refusal {
  status: 429 | 503;
  message: string;
  retryAfterSeconds: number;
}

/**
 * Streamable HTTP sessions: one MCP server per client session, so a client's notifications/cancelled
 * reaches the server running its call. Each client (bearer token, else remote address) may hold at
 * most `perClient` sessions and the server `max` in all; past either, a new session is refused.
 * Nothing is ever evicted to make room, so one client cannot push other agents' sessions out.
 * Sessions idle for `idleMs` are closed.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  /** Sessions per client, those still initializing included. */
  private readonly perClient = new Map<string, number>();
  private opening = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: { idleMs: number; max: number; perClient: number; logger: Logger }) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, options.idleMs));
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Sessions `client` holds (or is opening). */
  countOf(client: string): number {
    return this.perClient.get(client) ?? 0;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /**
   * Reserves a place for a session `client` is opening, or says why there is none. The place is
   * released by `release()` unless `add()` fills it.
   */
  reserve(client: string): Refusal | { release(): void } {
    const held = this.countOf(client);
    if (held >= this.options.perClient) {
      this.options.logger.warn({ client, sessions: held }, "mcp: a client is at its session cap");
      return {
        status: 429,
        message:
          `this client already holds ${held} MCP sessions, its cap (SLACKLINE_MCP_SESSIONS_PER_CLIENT): ` +
          "close one (DELETE /mcp with its Mcp-Session-Id) or reuse it",
        retryAfterSeconds: 60,
      };
    }
    if (this.sessions.size + this.opening >= this.options.max) {
      this.options.logger.warn({ sessions: this.sessions.size }, "mcp: the server is at its session limit");
      return { status: 503, message: "too many open MCP sessions on this server", retryAfterSeconds: 5 };
    }
    this.perClient.set(client, held + 1);
    this.opening += 1;
    let settled = false;
    return {
      release: () => {
        if (settled) return;
        settled = true;
        this.opening -= 1;
        this.decrement(client);
      },
    };
  }

  /** The session initialized: it takes the place its reservation held. */
  add(session: Session): void {
    this.opening -= 1;
    this.sessions.set(session.id, session);
  }

  /** The transport closed (DELETE, or close()): its place is free. */
  delete(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    this.decrement(session.client);
  }

  private decrement(client: string): void {
    const left = this.countOf(client) - 1;
    if (left > 0) this.perClient.set(client, left);
    else this.perClient.delete(client);
  }

  private sweep(): void {
    const cutoff = Date.now() - this.options.idleMs;
    for (const s of this.sessions.values()) if (s.inflight === 0 && s.lastSeen < cutoff) void this.close(s);
  }

  private async close(session: Session): Promise<void> {
    this.delete(session.id);
    await session.transport.close().catch(() => {});
    await session.server.close().catch(() => {});
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sessions.values()].map((s) => this.close(s)));
  }
}
