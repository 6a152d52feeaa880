import { once } from "node:events";
import type { Readable } from "node:stream";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type McpCommandHandle, mcpCommand } from "../../src/mcp/cli.js";
import { silentLogger } from "../../src/observability/logger.js";
import { MemoryQueue } from "../../src/queue/backends/memory.js";
import { FakeSlack, generatedUsers } from "../../src/testing/index.js";
import { BIN, tempDir } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";

// The target is 200 ms; the bound here is generous because the machine is shared and noisy.
// The measured figure is printed.
const BOUND_MS = 1000;

let slack: FakeSlack;

beforeAll(async () => {
  slack = await FakeSlack.start({ seed: { channels: [{ id: "CGENERAL", name: "general" }] } });
  slack.addUsers(generatedUsers(50_000));
});

afterAll(async () => {
  await slack?.close();
});

/** Pacing raised for the directory load below (50 users.list pages), Slack's tiers otherwise. */
const env = () => ({
  SLACK_BOT_TOKEN: slack.token,
  SLACK_API_URL: slack.apiUrl,
  SLACKLINE_MCP_RATE_LIMITS: "tier2=6000",
});

/** The first search starts the directory load; a loaded-so-far answer says so, and a later call completes. */
async function searchFinds(client: Client): Promise<void> {
  type Found = { users: { id: string }[]; complete: boolean; loaded: number };
  let found: Found | undefined;
  await until(async () => {
    const res = (await client.callTool({
      name: "slack_search_users",
      arguments: { query: "user49999@" },
    })) as CallToolResult;
    found = res.structuredContent as Found;
    if (!found.complete) expect(found.loaded).toBeLessThan(50_001);
    return found.complete;
  }, 60_000);
  expect(found!.loaded).toBe(50_001);
  expect(found!.users.map((u) => u.id)).toEqual(["UGEN0049999"]);
}

describe("initialize with a 50,000-user workspace", () => {
  it("is answered at once over Streamable HTTP, and the directory loads on first use", {
    timeout: 90_000,
  }, async () => {
    const backend = new MemoryQueue();
    const handle: McpCommandHandle = await mcpCommand({
      transport: "http",
      port: 0,
      env: env(),
      backend,
      logger: silentLogger,
    });
    const client = new Client({ name: "init-http", version: "1" });
    try {
      // Warm this process's HTTP client (undici's first fetch), which is not the server's time.
      expect((await fetch(handle.url!)).status).toBe(400);
      const started = performance.now();
      await client.connect(new StreamableHTTPClientTransport(new URL(handle.url!)));
      const ms = performance.now() - started;
      // Later sessions: the server is warm (the first one paid for loading and compiling code).
      const warm: number[] = [];
      for (let i = 0; i < 5; i++) {
        const other = new Client({ name: `init-http-${i}`, version: "1" });
        const t = performance.now();
        await other.connect(new StreamableHTTPClientTransport(new URL(handle.url!)));
        warm.push(performance.now() - t);
        await other.close();
      }
      const median = warm.sort((a, b) => a - b)[2]!;
      console.log(
        `initialize over Streamable HTTP, 50,000 users: first ${ms.toFixed(1)} ms, then median ${median.toFixed(1)} ms`,
      );
      expect(ms).toBeLessThan(BOUND_MS);
      expect(median).toBeLessThan(BOUND_MS);
      expect(slack.callsTo("users.list")).toEqual([]);
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      expect(slack.callsTo("users.list")).toEqual([]);
      await searchFinds(client);
    } finally {
      await client.close();
      await handle.close();
      await backend.close();
    }
  });

  it("is answered at once over stdio (timed from the server's ready line)", { timeout: 90_000 }, async () => {
    const before = slack.callsTo("users.list").length;
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, "mcp", "--transport", "stdio"],
      env: {
        PATH: process.env.PATH ?? "",
        QUEUE_BACKEND: "memory",
        SLACKLINE_DATA_DIR: tempDir(),
        LOG_LEVEL: "info",
        ...env(),
      },
      stderr: "pipe",
    });
    await transport.start();
    // Wait until the process has loaded and listens, so process start-up is not counted.
    let log = "";
    while (!log.includes("mcp server listening on stdio")) {
      const [chunk] = (await once(transport.stderr!, "data")) as [Buffer];
      log += chunk.toString();
    }
    (transport.stderr as Readable).resume();
    // connect() would start the transport again: hand the SDK client a started one.
    transport.start = async () => {};
    const client = new Client({ name: "init-stdio", version: "1" });
    try {
      const started = performance.now();
      await client.connect(transport);
      const ms = performance.now() - started;
      console.log(`initialize over stdio, 50,000 users: ${ms.toFixed(1)} ms`);
      expect(ms).toBeLessThan(BOUND_MS);
      expect(slack.callsTo("users.list").length).toBe(before);
      await searchFinds(client);
    } finally {
      await client.close();
    }
  });
});
