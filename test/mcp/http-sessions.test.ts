import { request } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type McpCommandHandle, mcpCommand } from "../../src/mcp/cli.js";
import { silentLogger } from "../../src/observability/logger.js";
import { MemoryQueue } from "../../src/queue/backends/memory.js";
import { FakeSlack } from "../../src/testing/index.js";

let slack: FakeSlack;
let backend: MemoryQueue;
let handle: McpCommandHandle;
const clients: Client[] = [];

async function connect(token?: string): Promise<Client> {
  const client = new Client({ name: "cap-test", version: "1" });
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(handle.url!), { requestInit: { headers } }));
  clients.push(client);
  return client;
}

/** One raw POST, to read the status and body a refused client gets. */
function post(
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; retryAfter?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      handle.url!,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...headers,
        },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString();
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers["retry-after"] as string,
            body: text,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});

beforeEach(async () => {
  slack = await FakeSlack.start({ seed: { channels: [{ id: "CGENERAL", name: "general" }] } });
  backend = new MemoryQueue();
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  await handle.close();
  await backend.close();
  await slack.close();
});

const start = async (env: Record<string, string>) => {
  handle = await mcpCommand({
    transport: "http",
    port: 0,
    env: { SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl, SLACKLINE_MCP_INBOX: "off", ...env },
    backend,
    logger: silentLogger,
  });
};

describe("HTTP sessions are capped per client, not evicted", () => {
  it("per bearer token: a client over its cap gets 429, and nobody else's session is touched", async () => {
    await start({ SLACKLINE_MCP_TOKEN: "agent-a,agent-b", SLACKLINE_MCP_SESSIONS_PER_CLIENT: "2" });
    const a1 = await connect("agent-a");
    const a2 = await connect("agent-a");
    const b1 = await connect("agent-b");
    const refused = await post(initialize, { authorization: "Bearer agent-a" });
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe("60");
    expect(JSON.parse(refused.body).error.message).toMatch(/already holds 2 MCP sessions, its cap/);
    await expect(connect("agent-a")).rejects.toThrow(/its cap/);
    // Everyone's sessions still work, agent-b can still open more.
    for (const c of [a1, a2, b1]) expect((await c.listTools()).tools.length).toBeGreaterThan(0);
    const b2 = await connect("agent-b");
    expect((await b2.listTools()).tools.length).toBeGreaterThan(0);
    // Ending one of agent-a's sessions gives it room again.
    await (a1.transport as StreamableHTTPClientTransport).terminateSession();
    const a3 = await connect("agent-a");
    expect((await a3.listTools()).tools.length).toBeGreaterThan(0);
  });

  it("a session id is only valid with the token that opened it", async () => {
    await start({ SLACKLINE_MCP_TOKEN: "agent-a,agent-b" });
    const a = await connect("agent-a");
    const sessionId = (a.transport as StreamableHTTPClientTransport).sessionId!;
    const hijack = await post(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }), {
      authorization: "Bearer agent-b",
      "mcp-session-id": sessionId,
      "mcp-protocol-version": "2025-06-18",
    });
    expect(hijack.status).toBe(404);
    expect((await a.listTools()).tools.length).toBeGreaterThan(0);
  });

  it("without tokens, per remote address (loopback clients share one cap)", async () => {
    await start({ SLACKLINE_MCP_SESSIONS_PER_CLIENT: "1" });
    const first = await connect();
    const refused = await post(initialize, {});
    expect(refused.status).toBe(429);
    expect((await first.listTools()).tools.length).toBeGreaterThan(0);
  });
});
