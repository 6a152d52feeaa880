import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { BodyTooLargeError, readBodyAsync } from "../ingress/http/body.js";
import { HttpError } from "../ingress/http/http-error.js";
import { BearerCheck, isLoopbackHost, requestFromLoopbackName } from "./http-auth.js";
import { type Session, SessionStore } from "./http-sessions.js";
import { createMcpRuntime, type McpRuntimeOptions } from "./runtime.js";

export interface McpHttpHandlerOptions extends McpRuntimeOptions {
  /**
   * The address the HTTP server listens on (default 127.0.0.1). Beyond loopback,
   * SLACKLINE_MCP_TOKEN is required: creating the handler throws without it.
   */
  host?: string;
  /** Default /mcp. */
  path?: string;
  /** Sessions unused this long are closed (default 30 minutes). */
  sessionIdleMs?: number;
  /** Open sessions at most, all clients together (default 100). */
  maxSessions?: number;
  /** Open sessions per client: per bearer token, else per remote address (default SLACKLINE_MCP_SESSIONS_PER_CLIENT, 10). */
  maxSessionsPerClient?: number;
}

export interface McpHttpHandler {
  /** Serves one request to `path` (anything else: 404). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Ends waiting calls, hands unreturned inbox events back, closes every session. */
  close(): Promise<void>;
}

const MAX_BODY = 4 * 1024 * 1024;

function reply(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const body = JSON.stringify({
    jsonrpc: "2.0",
    error: { code: status === 400 ? -32700 : -32000, message },
    id: null,
  });
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(body);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let body: Buffer;
  try {
    body = await readBodyAsync(req, MAX_BODY);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new HttpError(413, "request body too large");
    throw err;
  }
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "Parse error: the body is not JSON");
  }
}

/** The JSON-RPC request ids in a POST body (one message or a batch). */
function requestIds(body: unknown): (string | number)[] {
  const messages = Array.isArray(body) ? body : [body];
  const ids: (string | number)[] = [];
  for (const m of messages) {
    const id = (m as { id?: unknown; method?: unknown } | null)?.id;
    if (
      (typeof id === "string" || typeof id === "number") &&
      (m as { method?: unknown }).method !== undefined
    ) {
      ids.push(id);
    }
  }
  return ids;
}

export function refuseOpenBind(host: string, tokens: readonly string[]): void {
  if (!isLoopbackHost(host) && tokens.length === 0) {
    throw new Error(
      `refusing to serve MCP on ${host} without SLACKLINE_MCP_TOKEN: anyone who can reach it could post as the bot`,
    );
  }
}

/**
 * MCP over Streamable HTTP for node:http. Each client gets a session (its own MCP server over the
 * shared Slack client and inbox), so cancelling a call reaches the server that runs it. Mount it on
 * its own server (`slackline mcp --transport http`) or on the gateway's (`slackline start --mcp`).
 */
export function createMcpHttpHandler(options: McpHttpHandlerOptions): McpHttpHandler {
  const host = options.host ?? "127.0.0.1";
  const path = options.path ?? "/mcp";
  const runtime = createMcpRuntime(options);
  const tokens = runtime.config.httpTokens;
  refuseOpenBind(host, tokens);
  const bearer = tokens.length > 0 ? new BearerCheck(tokens) : null;
  const sessions = new SessionStore({
    idleMs: options.sessionIdleMs ?? 30 * 60_000,
    max: options.maxSessions ?? 100,
    perClient: options.maxSessionsPerClient ?? runtime.config.sessionsPerClient,
    logger: options.logger,
  });
  let closed = false;

  /** Runs one request in a session; a client that hangs up cancels the calls it was waiting on. */
  async function inSession(
    session: Session,
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
  ): Promise<void> {
    session.lastSeen = Date.now();
    // A GET is the client's standing notification stream, not work in progress: it keeps nothing busy.
    if (req.method !== "POST") return session.transport.handleRequest(req, res, body);
    session.inflight += 1;
    const ids = requestIds(body);
    res.on("close", () => {
      session.inflight -= 1;
      session.lastSeen = Date.now();
      if (res.writableFinished) return;
      // Nobody will read these answers: stop the calls (a long poll must not take events for no one).
      for (const requestId of ids) {
        const cancel: JSONRPCMessage = {
          jsonrpc: "2.0",
          method: "notifications/cancelled",
          params: { requestId, reason: "the client disconnected" },
        };
        session.transport.onmessage?.(cancel);
      }
    });
    await session.transport.handleRequest(req, res, body);
  }

  async function open(
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    client: string,
  ): Promise<void> {
    if (!isInitializeRequest(body))
      return reply(res, 400, "Bad Request: no valid session id; initialize first");
    const place = sessions.reserve(client);
    if ("status" in place)
      return reply(res, place.status, place.message, { "retry-after": String(place.retryAfterSeconds) });
    const id = randomUUID();
    const server = runtime.createServer();
    let initialized = false;
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      enableJsonResponse: true,
      // Registered only once initialize succeeded.
      onsessioninitialized: () => {
        initialized = true;
        sessions.add(session);
      },
    });
    const session: Session = { id, client, server, transport, lastSeen: Date.now(), inflight: 0 };
    transport.onclose = () => sessions.delete(id);
    try {
      await server.connect(transport);
      await inSession(session, req, res, body);
    } finally {
      if (!initialized) {
        place.release();
        await server.close().catch(() => {});
      }
    }
  }

  return {
    async handle(req, res) {
      try {
        const url = new URL(req.url ?? "/", "http://mcp.invalid");
        if (url.pathname !== path) return reply(res, 404, "not found");
        let client: string;
        if (bearer) {
          const index = bearer.match(req.headers.authorization);
          if (index < 0) {
            return reply(res, 401, "unauthorized", { "www-authenticate": 'Bearer realm="slackline-mcp"' });
          }
          client = `token:${index}`;
        } else if (!requestFromLoopbackName(req)) {
          // Without a token, only loopback names: a DNS-rebinding page cannot reach the tools.
          return reply(res, 403, "forbidden: set SLACKLINE_MCP_TOKEN to accept this Host or Origin");
        } else {
          client = `addr:${req.socket.remoteAddress ?? "unknown"}`;
        }
        if (closed) return reply(res, 503, "shutting down", { "retry-after": "1" });
        if (req.method !== "POST" && req.method !== "GET" && req.method !== "DELETE") {
          return reply(res, 405, "method not allowed", { allow: "GET, POST, DELETE" });
        }
        const body = req.method === "POST" ? await readJson(req) : undefined;
        const id = req.headers["mcp-session-id"];
        if (typeof id === "string") {
          const session = sessions.get(id);
          // 404 tells the client its session is gone and it should initialize again. Another
          // client's session id is as unknown as a made-up one.
          if (!session || session.client !== client) return reply(res, 404, "unknown or expired MCP session");
          return await inSession(session, req, res, body);
        }
        if (req.method !== "POST") return reply(res, 400, "Bad Request: no session id");
        await open(req, res, body, client);
      } catch (err) {
        if (err instanceof HttpError) return reply(res, err.status, err.message);
        options.logger.error({ err }, "mcp http request failed");
        reply(res, 500, "internal error");
      }
    },

    async close() {
      closed = true;
      // The inbox first: waiting calls return (empty) and their answers still go out.
      await runtime.close();
      await sessions.closeAll();
    },
  };
}
