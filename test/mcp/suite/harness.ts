import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Envelope } from "../../../src/envelope/envelope.js";
import { type McpCommandHandle, mcpCommand } from "../../../src/mcp/cli.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { SqliteQueue } from "../../../src/queue/backends/sqlite.js";
import { BIN, tempDir } from "../../helpers/cli.js";

export type Transport = "stdio" | "http";

/** One running `slackline mcp` and an SDK client connected to it. */
export interface Harness {
  client: Client;
  /** From tools/list, done at connect: the client then validates every result against its outputSchema. */
  tools: Tool[];
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Publishes to the topic the server's inbox consumes (the same SQLite file). */
  publish(envelope: Envelope): Promise<void>;
  close(): Promise<void>;
}

export const TOPIC = "slack_events";

/**
 * Starts the server over `transport` with `env`, on a SQLite queue of its own. stdio runs the real
 * CLI as a child process; HTTP runs mcpCommand in this process. Both are driven by the SDK's client.
 */
export async function startHarness(transport: Transport, env: Record<string, string>): Promise<Harness> {
  const dir = tempDir("slackline-mcp-suite-");
  const queue = new SqliteQueue({ path: join(dir, "queue.db") });
  const client = new Client({ name: `suite-${transport}`, version: "1.0.0" });
  let handle: McpCommandHandle | null = null;
  try {
    if (transport === "stdio") {
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [BIN, "mcp", "--transport", "stdio"],
          env: {
            PATH: process.env.PATH ?? "",
            QUEUE_BACKEND: "sqlite",
            SLACKLINE_DATA_DIR: dir,
            LOG_LEVEL: "warn",
            ...env,
          },
          stderr: "ignore",
        }),
      );
    } else {
      handle = await mcpCommand({ transport: "http", port: 0, env, backend: queue, logger: silentLogger });
      await client.connect(new StreamableHTTPClientTransport(new URL(handle.url!)));
    }
  } catch (err) {
    await queue.close();
    throw err;
  }
  const { tools } = await client.listTools();
  return {
    client,
    tools,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    publish: async (envelope) => {
      await queue.publish(TOPIC, envelope);
    },
    close: async () => {
      await client.close().catch(() => {});
      await handle?.close();
      await queue.close();
    },
  };
}
