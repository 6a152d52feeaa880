import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Logger } from "../observability/logger.js";
import type { QueueBackend } from "../queue/types.js";
import { createMcpHttpHandler } from "./http.js";
import { createMcpRuntime } from "./runtime.js";

export interface McpCommandOptions {
  transport: "stdio" | "http";
  /** HTTP only; default SLACKLINE_MCP_PORT, else 3001. 0 picks a free port. */
  port?: number;
  /** HTTP only; default 127.0.0.1. Beyond loopback SLACKLINE_MCP_TOKEN is required. */
  host?: string;
  env: Record<string, string | undefined>;
  /** The event backend the inbox consumes; the caller owns it (and closes it). */
  backend: QueueBackend;
  /** For stdio, a logger that writes to stderr: stdout carries the protocol. */
  logger: Logger;
}

export interface McpCommandHandle {
  /** Stops serving and hands unreturned inbox events back. Idempotent. */
  close(): Promise<void>;
  /** Resolves once closed: by close(), or (stdio) when the client closes stdin. */
  readonly closed: Promise<void>;
  /** HTTP only: where the MCP endpoint listens, e.g. http://127.0.0.1:3001/mcp. */
  readonly url?: string;
}

/** `slackline mcp`: serves the Slack tools and the event inbox over stdio or Streamable HTTP. */
export async function mcpCommand(options: McpCommandOptions): Promise<McpCommandHandle> {
  return options.transport === "stdio" ? serveStdio(options) : serveHttp(options);
}

function onceClosed(run: () => Promise<void>): { close(): Promise<void>; closed: Promise<void> } {
  let done: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    done = resolve;
  });
  let closing: Promise<void> | null = null;
  return {
    closed,
    close: () => {
      closing ??= run().finally(done);
      return closing;
    },
  };
}

async function serveStdio({ env, backend, logger }: McpCommandOptions): Promise<McpCommandHandle> {
  const runtime = createMcpRuntime({ env, backend, logger });
  const server = runtime.createServer();
  const transport = new StdioServerTransport();
  const handle = onceClosed(async () => {
    process.stdin.off("end", onEnd);
    await runtime.close();
    await server.close();
  });
  // The client went away: nothing more can be asked, so hand the held events back and stop.
  const onEnd = (): void => void handle.close();
  process.stdin.once("end", onEnd);
  await server.connect(transport);
  logger.info("mcp server listening on stdio");
  return handle;
}

const DEFAULT_PORT = 3001;

function portFromEnv(value: string | undefined): number {
  if (value === undefined || value === "") return DEFAULT_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`SLACKLINE_MCP_PORT is not a port: "${value}"`);
  return port;
}

async function serveHttp({
  env,
  backend,
  logger,
  host = "127.0.0.1",
  port,
}: McpCommandOptions): Promise<McpCommandHandle> {
  const listenPort = port ?? portFromEnv(env.SLACKLINE_MCP_PORT);
  // Refuses an open bind without a token before anything starts.
  const handler = createMcpHttpHandler({ env, backend, logger, host });
  const server = createServer((req, res) => void handler.handle(req, res));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(listenPort, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    await handler.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}/mcp`;
  logger.info({ url, auth: env.SLACKLINE_MCP_TOKEN ? "bearer" : "loopback only" }, "mcp server listening");
  const handle = onceClosed(async () => {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    await handler.close();
    server.closeAllConnections();
    await stopped;
  });
  return { ...handle, url };
}
