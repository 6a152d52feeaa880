import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { TOOL_CATALOG, type ToolName } from "../../src/mcp/tools/catalog.js";
import { FakeSlack } from "../../src/testing/index.js";
import { BIN, runSlackline, tempDir } from "../helpers/cli.js";

let slack: FakeSlack;

beforeAll(async () => {
  slack = await FakeSlack.start();
});

afterAll(async () => {
  await slack?.close();
});

const env = () => ({
  PATH: process.env.PATH ?? "",
  QUEUE_BACKEND: "memory",
  SLACKLINE_DATA_DIR: tempDir(),
  SLACK_BOT_TOKEN: slack.token,
  SLACK_API_URL: slack.apiUrl,
});

it("`slackline mcp --read-only` lists no tool that writes to Slack", async () => {
  const client = new Client({ name: "read-only", version: "1" });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [BIN, "mcp", "--read-only"],
      env: env(),
      stderr: "ignore",
    }),
  );
  try {
    const names = (await client.listTools()).tools.map((t) => t.name as ToolName);
    expect(names).toContain("slack_read_channel_messages");
    expect(names.filter((n) => TOOL_CATALOG[n].write)).toEqual([]);
  } finally {
    await client.close();
  }
});

it("an unknown name in SLACKLINE_MCP_TOOLS stops the start with one line naming it", async () => {
  const res = await runSlackline(["mcp"], {
    ...env(),
    SLACKLINE_MCP_TOOLS: "slack_get_user,slack_post_mesage",
  });
  expect(res.code).toBe(1);
  expect(res.stderr).toContain("SLACKLINE_MCP_TOOLS names no such tool: slack_post_mesage");
});
