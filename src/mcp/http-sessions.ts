import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { Logger } from "../observability/logger.js";

export interface Session {
  id: string;
  server: McpServer;
  transport: StreamableHTTPServerTransport;
  lastSeen: number;
  /** POSTs not answered yet: such a session is never idle. */
  inflight: number;
}

/**
 * Streamable HTTP sessions: one MCP server per client, so a client's notifications/cancelled
 * reaches the server running its call. Idle sessions are closed; past `max`, the least recently
 * used idle one makes room.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: { idleMs: number; max: number; logger: Logger }) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, options.idleMs));
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** False when full of busy sessions: the caller answers 503. */
  hasRoom(): boolean {
    if (this.sessions.size < this.options.max) return true;
    let lru: Session | undefined;
    for (const s of this.sessions.values())
      if (s.inflight === 0 && (!lru || s.lastSeen < lru.lastSeen)) lru = s;
    if (!lru) return false;
    this.options.logger.info({ session: lru.id }, "mcp: too many sessions, closing the least recently used");
    void this.close(lru);
    return true;
  }

  add(session: Session): void {
    this.sessions.set(session.id, session);
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  private sweep(): void {
    const cutoff = Date.now() - this.options.idleMs;
    for (const s of this.sessions.values()) if (s.inflight === 0 && s.lastSeen < cutoff) void this.close(s);
  }

  private async close(session: Session): Promise<void> {
    this.sessions.delete(session.id);
    await session.transport.close().catch(() => {});
    await session.server.close().catch(() => {});
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sessions.values()].map((s) => this.close(s)));
  }
}
