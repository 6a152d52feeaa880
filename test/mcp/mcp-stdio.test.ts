import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSlack } from "../../src/testing/index.js";

import { BIN, tempDir } from "../helpers/cli.js";

describe("`slackline mcp --transport stdio` (child process)", () => {
  let slack: FakeSlack;
  let client: Client;
  let transport: StdioClientTransport;
  let stderr = "";
  const protocolErrors: Error[] = [];

  beforeAll(async () => {
    slack = await FakeSlack.start({ seed: { channels: [{ id: "CGENERAL", name: "general" }] } });
    transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, "mcp", "--transport", "stdio"],
      env: {
        PATH: process.env.PATH ?? "",
        QUEUE_BACKEND: "memory",
        SLACKLINE_DATA_DIR: tempDir(),
        SLACK_BOT_TOKEN: slack.token,
        SLACK_API_URL: slack.apiUrl,
        SLACKLINE_MCP_WRITE_CHANNELS: "CGENERAL",
        // Debug logs everywhere: any of them on stdout would break the protocol.
        LOG_LEVEL: "debug",
      },
      stderr: "pipe",
    });
    transport.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    client = new Client({ name: "stdio-test", version: "1.0.0" });
    client.onerror = (err) => protocolErrors.push(err);
    await client.connect(transport);
  }, 30_000);

  afterAll(async () => {
    await client?.close();
    await slack?.close();
  });

  it("lists the tools", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        "slack_post_message",
        "slack_thread_reply",
        "slack_wait_for_events",
        "slack_get_user",
      ]),
    );
  });

  it("calls tools against the fake Slack", async () => {
    const posted = (await client.callTool({
      name: "slack_post_message",
      arguments: { channel: "CGENERAL", text: "over stdio" },
    })) as CallToolResult;
    expect(posted.isError).toBeFalsy();
    const { ts } = posted.structuredContent as { ts: string };
    const replied = (await client.callTool({
      name: "slack_thread_reply",
      arguments: { channel: "CGENERAL", thread_ts: ts, texts: ["one", "two"] },
    })) as CallToolResult;
    expect(replied.isError).toBeFalsy();
    expect(slack.messages("CGENERAL").map((m) => m.text)).toEqual(["over stdio"]);
    expect(slack.replies("CGENERAL", ts).map((m) => m.text)).toEqual(["one", "two"]);
  });

  it("turns Slack errors and the allow-list into isError results", async () => {
    slack.failNext("conversations.history", "channel_not_found");
    const missing = (await client.callTool({
      name: "slack_read_channel_messages",
      arguments: { channel: "CGENERAL" },
    })) as CallToolResult;
    expect(missing.isError).toBe(true);
    expect(missing.structuredContent).toMatchObject({ error: "channel_not_found" });
    const denied = (await client.callTool({
      name: "slack_post_message",
      arguments: { channel: "COTHER", text: "x" },
    })) as CallToolResult;
    expect(denied.structuredContent).toMatchObject({ error: "channel_not_allowed" });
  });

  it("waits for events (none here) and returns an empty list", async () => {
    const res = (await client.callTool({
      name: "slack_wait_for_events",
      arguments: { timeout_seconds: 0.2 },
    })) as CallToolResult;
    expect(res.structuredContent).toMatchObject({ events: [], count: 0 });
  });

  it("keeps stdout for the protocol: logs go to stderr", () => {
    expect(protocolErrors).toEqual([]);
    expect(stderr).toContain("mcp server listening on stdio");
    // WebClient's own logging is routed through the stderr logger too.
    expect(stderr).toContain('"msg":"web api"');
  });

  it("exits on its own when the client closes stdin", async () => {
    const pid = transport.pid;
    expect(pid).toBeTypeOf("number");
    const started = Date.now();
    await client.close();
    // StdioClientTransport sends SIGTERM only after 2 s: exiting sooner means a clean shutdown.
    expect(Date.now() - started).toBeLessThan(1900);
    expect(() => process.kill(pid!, 0)).toThrow();
    expect(stderr).not.toContain("shutdown failed");
  });
});
