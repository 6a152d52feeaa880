import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSlack } from "../../src/testing/index.js";
import { type Running, spawnSlackline, tempDir } from "../helpers/cli.js";
import { postSignedEvent } from "../helpers/slack-http.js";

const SECRET = "mcp-e2e-secret";

describe("`slackline start --mcp`: an agent answers a mention through the gateway's own /mcp", () => {
  let slack: FakeSlack;
  let app: Running;
  let url: string;
  let client: Client;

  beforeAll(async () => {
    slack = await FakeSlack.start({
      seed: { channels: [{ id: "CGENERAL", name: "general" }], users: [{ id: "UALICE", name: "alice" }] },
    });
    app = spawnSlackline(["start", "--mcp"], {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.apiUrl,
      SLACKLINE_DATA_DIR: tempDir(),
      PORT: "0",
    });
    url = await app.url;
    client = new Client({ name: "e2e-agent", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  }, 30_000);

  afterAll(async () => {
    await client?.close();
    expect(await app?.kill("SIGTERM")).toBe(0);
    await slack?.close();
  });

  it("the mention sent to /slack/events comes back from slack_wait_for_events, and the reply lands in its thread", async () => {
    const mention = slack.addMessage("CGENERAL", { user: "UALICE", text: "<@U0BOT> deploy status?" });
    const body = JSON.stringify({
      type: "event_callback",
      team_id: "T1",
      api_app_id: "A1",
      event_id: "EvMCPE2E1",
      event_time: 1,
      event: { type: "app_mention", user: "UALICE", text: mention.text, ts: mention.ts, channel: "CGENERAL" },
    });
    expect(await postSignedEvent(url, SECRET, body)).toBe(200);

    const waited = (await client.callTool({
      name: "slack_wait_for_events",
      arguments: { types: ["app_mention"], timeout_seconds: 10 },
    })) as CallToolResult;
    const { events } = waited.structuredContent as {
      events: Array<{ id: string; event: { channel: string; ts: string } }>;
    };
    expect(events.map((e) => e.id)).toEqual(["EvMCPE2E1"]);

    const replied = (await client.callTool({
      name: "slack_thread_reply",
      arguments: { channel: events[0]!.event.channel, thread_ts: events[0]!.event.ts, texts: ["All green."] },
    })) as CallToolResult;
    expect(replied.isError).toBeFalsy();
    expect(slack.replies("CGENERAL", mention.ts).map((m) => m.text)).toEqual(["All green."]);
  });
});
