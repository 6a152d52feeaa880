import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Envelope } from "../../src/envelope/envelope.js";
import { type McpCommandHandle, mcpCommand } from "../../src/mcp/cli.js";
import { createMcpHttpHandler } from "../../src/mcp/http.js";
import { silentLogger } from "../../src/observability/logger.js";
import { MemoryQueue } from "../../src/queue/backends/memory.js";
import { DeliveryCollector, FakeSlack, sampleEnvelope } from "../../src/testing/index.js";

const TOPIC = "slack_events";

let slack: FakeSlack;
let backend: MemoryQueue;
const handles: McpCommandHandle[] = [];
const clients: Client[] = [];

async function startMcp(env: Record<string, string> = {}): Promise<McpCommandHandle> {
  const handle = await mcpCommand({
    transport: "http",
    port: 0,
    env: { SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl, ...env },
    backend,
    logger: silentLogger,
  });
  handles.push(handle);
  return handle;
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: "slackline-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  clients.push(client);
  return client;
}

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

const data = (result: CallToolResult): Record<string, unknown> =>
  result.structuredContent as Record<string, unknown>;
const text = (result: CallToolResult): string => (result.content[0] as { text: string }).text;

/** An Events API envelope as ingress publishes it. */
function eventEnvelope(event: Record<string, unknown>): Envelope {
  const base = sampleEnvelope();
  return { ...base, body: { ...(base.body as Record<string, unknown>), event } };
}

let client: Client;

beforeEach(async () => {
  slack = await FakeSlack.start({
    seed: {
      users: [{ id: "UALICE", name: "alice", real_name: "Alice Example" }],
      emoji: { shipit: "https://emoji.example/shipit.png" },
      channels: [
        { id: "CGENERAL", name: "general", topic: "everything" },
        { id: "CALLOWED", name: "bot-playground" },
        { id: "CPRIVATE", name: "ops", is_private: true },
      ],
    },
  });
  backend = new MemoryQueue();
  const handle = await startMcp();
  client = await connect(handle.url!);
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  for (const h of handles.splice(0)) await h.close();
  await backend.close();
  await slack.close();
});

describe("tools", () => {
  it("lists every tool with its annotations", async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    // The nine tools of the Python Slack MCP Server, among the others; without SLACK_USER_TOKEN,
    // the user-token tools (search, unreads) are not listed.
    expect([...byName.keys()]).toEqual(
      expect.arrayContaining([
        "slack_add_reactions",
        "slack_get_user",
        "slack_list_channels",
        "slack_post_message",
        "slack_read_channel_messages",
        "slack_read_emojis",
        "slack_read_thread_messages",
        "slack_thread_reply",
        "slack_wait_for_events",
      ]),
    );
    expect(byName.has("slack_search_messages")).toBe(false);
    expect(byName.get("slack_read_channel_messages")?.annotations?.readOnlyHint).toBe(true);
    expect(byName.get("slack_post_message")?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
    });
    expect(byName.get("slack_post_message")?.inputSchema.required).toEqual(["channel", "text"]);
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain("slack://emojis");
  });

  it("slack_post_message posts, with blocks and in threads", async () => {
    const posted = await call(client, "slack_post_message", {
      channel: "CGENERAL",
      text: "hello from the agent",
    });
    expect(posted.isError).toBeFalsy();
    const { ts } = data(posted) as { ts: string };
    expect(JSON.parse(text(posted))).toMatchObject({ ok: true, channel: "CGENERAL", ts });
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "*bold*" } }];
    await call(client, "slack_post_message", { channel: "CGENERAL", text: "with blocks", blocks });
    await call(client, "slack_post_message", {
      channel: "CGENERAL",
      text: "blocks as a string",
      blocks: JSON.stringify(blocks),
    });
    const reply = await call(client, "slack_post_message", {
      channel: "CGENERAL",
      text: "in thread",
      thread_ts: ts,
    });
    expect(data(reply).thread_ts).toBe(ts);

    const messages = slack.messages("CGENERAL");
    expect(messages.map((m) => m.text)).toEqual([
      "hello from the agent",
      "with blocks",
      "blocks as a string",
    ]);
    expect(messages[1]!.blocks).toEqual(blocks);
    expect(messages[2]!.blocks).toEqual(blocks);
    expect(slack.replies("CGENERAL", ts).map((m) => m.text)).toEqual(["in thread"]);

    const bad = await call(client, "slack_post_message", {
      channel: "CGENERAL",
      text: "x",
      blocks: "{not json",
    });
    expect(bad.isError).toBe(true);
    expect(data(bad).error).toBe("invalid_blocks_format");
  });

  it("a Slack error is an isError result naming the code", async () => {
    const res = await call(client, "slack_post_message", { channel: "CNOPE", text: "hello" });
    expect(res.isError).toBe(true);
    expect(data(res)).toMatchObject({ ok: false, error: "channel_not_found", method: "chat.postMessage" });
    expect(text(res)).toContain("channel_not_found");
    const thread = await call(client, "slack_read_thread_messages", {
      channel: "CGENERAL",
      thread_ts: "1.000001",
    });
    expect(data(thread).error).toBe("thread_not_found");
    const user = await call(client, "slack_get_user", { user: "UNOPE" });
    expect(data(user).error).toBe("user_not_found");
  });

  it("a rate limit is an isError result with retry_after, at once", async () => {
    slack.rateLimitNext(1, { method: "chat.postMessage", retryAfter: 30 });
    const started = Date.now();
    const res = await call(client, "slack_post_message", { channel: "CGENERAL", text: "hello" });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.isError).toBe(true);
    expect(data(res)).toMatchObject({ error: "ratelimited", retry_after: 30 });
    expect(text(res)).toContain("ratelimited");
    expect(slack.messages("CGENERAL")).toEqual([]);
  });

  it("rejects invalid arguments without calling Slack", async () => {
    const outcome = await call(client, "slack_post_message", { channel: "CGENERAL" }).then(
      (r) => r.isError === true,
      () => true,
    );
    expect(outcome).toBe(true);
    const badTs = await call(client, "slack_thread_reply", {
      channel: "CGENERAL",
      thread_ts: "yesterday",
      texts: ["x"],
    }).then(
      (r) => r.isError === true,
      () => true,
    );
    expect(badTs).toBe(true);
    expect(slack.callsTo("chat.postMessage")).toEqual([]);
  });

  it("slack_read_channel_messages pages newest first", async () => {
    for (let i = 0; i < 5; i++) slack.addMessage("CGENERAL", { user: "UALICE", text: `m${i}` });
    const first = await call(client, "slack_read_channel_messages", { channel: "CGENERAL", limit: 2 });
    const page1 = data(first) as {
      messages: { text: string; user: string }[];
      has_more: boolean;
      next_cursor: string;
    };
    expect(page1.messages.map((m) => m.text)).toEqual(["m4", "m3"]);
    expect(page1.messages[0]!.user).toBe("UALICE");
    expect(page1.has_more).toBe(true);
    const second = await call(client, "slack_read_channel_messages", {
      channel: "CGENERAL",
      limit: 3,
      cursor: page1.next_cursor,
    });
    const page2 = data(second) as { messages: { text: string }[]; next_cursor: string | null };
    expect(page2.messages.map((m) => m.text)).toEqual(["m2", "m1", "m0"]);
    expect(page2.next_cursor).toBeNull();
  });

  it("slack_read_thread_messages reads parent and replies", async () => {
    const parent = slack.addMessage("CGENERAL", { user: "UALICE", text: "question" });
    slack.addMessage("CGENERAL", { user: "UALICE", text: "more detail", thread_ts: parent.ts });
    const res = await call(client, "slack_read_thread_messages", {
      channel: "CGENERAL",
      thread_ts: parent.ts,
    });
    const { messages } = data(res) as { messages: { text: string; reply_count?: number }[] };
    expect(messages.map((m) => m.text)).toEqual(["question", "more detail"]);
    expect(messages[0]!.reply_count).toBe(1);
  });

  it("slack_add_reactions adds each emoji and reports ones already there", async () => {
    const msg = slack.addMessage("CGENERAL", { user: "UALICE", text: "deploy done" });
    const res = await call(client, "slack_add_reactions", {
      channel: "CGENERAL",
      timestamp: msg.ts,
      emojis: ["eyes", ":white_check_mark:"],
    });
    expect(data(res)).toMatchObject({ ok: true, added: ["eyes", "white_check_mark"], already: [] });
    const again = await call(client, "slack_add_reactions", {
      channel: "CGENERAL",
      timestamp: msg.ts,
      emojis: ["eyes"],
    });
    expect(again.isError).toBeFalsy();
    expect(data(again)).toMatchObject({ added: [], already: ["eyes"] });
    expect(slack.reactions("CGENERAL", msg.ts).map((r) => r.name)).toEqual(["eyes", "white_check_mark"]);
    const missing = await call(client, "slack_add_reactions", {
      channel: "CGENERAL",
      timestamp: "1.000001",
      emojis: ["eyes"],
    });
    expect(data(missing).error).toBe("message_not_found");
  });

  it("slack_read_emojis and the slack://emojis resource list custom emoji", async () => {
    const res = await call(client, "slack_read_emojis");
    expect(data(res)).toEqual({ count: 1, emoji: { shipit: "https://emoji.example/shipit.png" } });
    const resource = await client.readResource({ uri: "slack://emojis" });
    const content = resource.contents[0] as { text: string; mimeType: string };
    expect(content.mimeType).toBe("application/json");
    expect(JSON.parse(content.text)).toEqual({ shipit: "https://emoji.example/shipit.png" });
  });

  it("slack_list_channels and slack_get_user", async () => {
    const res = await call(client, "slack_list_channels", { types: ["public_channel", "private_channel"] });
    const { channels } = data(res) as { channels: { id: string; name: string; topic?: string }[] };
    expect(channels.map((c) => c.id)).toEqual(["CGENERAL", "CALLOWED", "CPRIVATE"]);
    expect(channels[0]).toMatchObject({ name: "general", is_member: true, topic: "everything" });
    const paged = await call(client, "slack_list_channels", { limit: 1 });
    expect((data(paged) as { next_cursor: string | null }).next_cursor).toBeTruthy();
    const user = await call(client, "slack_get_user", { user: "UALICE" });
    expect(data(user).user).toMatchObject({
      id: "UALICE",
      name: "alice",
      real_name: "Alice Example",
      is_bot: false,
    });
  });
});

describe("write allow-list", () => {
  it("write tools only touch the listed channels; reads are not limited", async () => {
    const limited = await connect((await startMcp({ SLACKLINE_MCP_WRITE_CHANNELS: "CALLOWED, CELSE" })).url!);
    const denied = await call(limited, "slack_post_message", { channel: "CGENERAL", text: "nope" });
    expect(denied.isError).toBe(true);
    expect(data(denied).error).toBe("channel_not_allowed");
    const msg = slack.addMessage("CGENERAL", { user: "UALICE", text: "hi" });
    const react = await call(limited, "slack_add_reactions", {
      channel: "CGENERAL",
      timestamp: msg.ts,
      emojis: ["x"],
    });
    expect(data(react).error).toBe("channel_not_allowed");
    const reply = await call(limited, "slack_thread_reply", {
      channel: "CGENERAL",
      thread_ts: msg.ts,
      texts: ["x"],
    });
    expect(data(reply).error).toBe("channel_not_allowed");
    expect(slack.callsTo("chat.postMessage")).toEqual([]);
    expect(slack.callsTo("reactions.add")).toEqual([]);

    const allowed = await call(limited, "slack_post_message", { channel: "CALLOWED", text: "yes" });
    expect(allowed.isError).toBeFalsy();
    const read = await call(limited, "slack_read_channel_messages", { channel: "CGENERAL" });
    expect(read.isError).toBeFalsy();
  });
});

describe("event inbox", () => {
  it("agent flow: an app_mention arrives, the agent answers in its thread", async () => {
    const mention = slack.addMessage("CGENERAL", { user: "UALICE", text: "<@U0BOT> is prod ok?" });
    const envelope = eventEnvelope({
      type: "app_mention",
      user: "UALICE",
      text: mention.text,
      ts: mention.ts,
      channel: "CGENERAL",
    });
    await backend.publish(TOPIC, envelope);

    const waited = await call(client, "slack_wait_for_events", {
      types: ["app_mention"],
      timeout_seconds: 5,
    });
    const { events } = data(waited) as {
      events: { id: string; kind: string; type: string; event: Record<string, string> }[];
    };
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      id: envelope.id,
      kind: "event",
      type: "app_mention",
      channel: "CGENERAL",
    });
    expect(events[0]!.event).toMatchObject({ type: "app_mention", ts: mention.ts, user: "UALICE" });

    const { channel, ts } = events[0]!.event as { channel: string; ts: string };
    const replied = await call(client, "slack_thread_reply", {
      channel,
      thread_ts: ts,
      texts: ["Looking…", "Prod is fine."],
    });
    expect(replied.isError).toBeFalsy();
    expect(slack.replies("CGENERAL", mention.ts).map((m) => [m.text, m.user])).toEqual([
      ["Looking…", "U0BOT"],
      ["Prod is fine.", "U0BOT"],
    ]);
    // Returned events are acked in the mcp group.
    expect((await backend.stats(TOPIC, "mcp")).depth).toBe(0);
  });

  it("long-polls until an event arrives", async () => {
    const waiting = call(client, "slack_wait_for_events", { timeout_seconds: 10 });
    await new Promise((r) => setTimeout(r, 200));
    const envelope = eventEnvelope({
      type: "app_mention",
      channel: "CGENERAL",
      ts: "1700000000.000200",
      text: "hi",
    });
    const started = Date.now();
    await backend.publish(TOPIC, envelope);
    const { events } = data(await waiting) as { events: { id: string }[] };
    expect(Date.now() - started).toBeLessThan(2000);
    expect(events.map((e) => e.id)).toEqual([envelope.id]);
  });

  it("returns an empty list after the timeout", async () => {
    const started = Date.now();
    const res = await call(client, "slack_wait_for_events", { timeout_seconds: 0.3 });
    expect(data(res)).toMatchObject({ events: [], count: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("keeps events that do not match for later calls, in order", async () => {
    const reaction = eventEnvelope({
      type: "reaction_added",
      reaction: "eyes",
      item: { channel: "COTHER", ts: "1.1" },
    });
    const im = eventEnvelope({ type: "message", channel_type: "im", channel: "D1", text: "psst", ts: "1.2" });
    const mention = eventEnvelope({ type: "app_mention", channel: "CGENERAL", text: "hey", ts: "1.3" });
    for (const e of [reaction, im, mention]) await backend.publish(TOPIC, e);

    const mentions = await call(client, "slack_wait_for_events", {
      types: ["app_mention"],
      timeout_seconds: 5,
    });
    expect((data(mentions).events as { id: string }[]).map((e) => e.id)).toEqual([mention.id]);
    const byChannel = await call(client, "slack_wait_for_events", { channel: "COTHER", timeout_seconds: 5 });
    expect((data(byChannel).events as { id: string; type: string }[]).map((e) => e.type)).toEqual([
      "reaction_added",
    ]);
    const dms = await call(client, "slack_wait_for_events", { types: ["message.im"], timeout_seconds: 5 });
    expect((data(dms).events as { id: string }[]).map((e) => e.id)).toEqual([im.id]);
    const rest = await call(client, "slack_wait_for_events", { timeout_seconds: 0.2 });
    expect(data(rest).events).toEqual([]);
  });

  it("honours max and returns commands and interactions too", async () => {
    const command: Envelope = {
      ...sampleEnvelope({ kind: "command" }),
      body: { command: "/deploy", text: "prod", channel_id: "CGENERAL", user_id: "UALICE" },
    };
    const action: Envelope = {
      ...sampleEnvelope({ kind: "interaction" }),
      body: { type: "block_actions", channel: { id: "CGENERAL" }, actions: [] },
    };
    await backend.publish(TOPIC, command);
    await backend.publish(TOPIC, action);
    const first = await call(client, "slack_wait_for_events", { max: 1, timeout_seconds: 5 });
    expect(data(first).events).toEqual([
      expect.objectContaining({ id: command.id, kind: "command", type: "/deploy", channel: "CGENERAL" }),
    ]);
    const second = await call(client, "slack_wait_for_events", {
      types: ["block_actions"],
      timeout_seconds: 5,
    });
    expect(data(second).events).toEqual([
      expect.objectContaining({ id: action.id, kind: "interaction", type: "block_actions" }),
    ]);
  });

  it("a cancelled wait loses nothing", async () => {
    const controller = new AbortController();
    const cancelled = client
      .callTool({ name: "slack_wait_for_events", arguments: { timeout_seconds: 10 } }, undefined, {
        signal: controller.signal,
      })
      .catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    await cancelled;
    await new Promise((r) => setTimeout(r, 100));
    const envelope = eventEnvelope({ type: "app_mention", channel: "CGENERAL", ts: "1.4", text: "after" });
    await backend.publish(TOPIC, envelope);
    const res = await call(client, "slack_wait_for_events", { timeout_seconds: 5 });
    expect((data(res).events as { id: string }[]).map((e) => e.id)).toEqual([envelope.id]);
  });

  it("a client that hangs up during a wait loses nothing", async () => {
    const url = new URL(handles[0]!.url!);
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    const init = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "raw", version: "1" },
        },
      }),
    });
    const session = init.headers.get("mcp-session-id")!;
    expect(session).toBeTruthy();
    await init.text();
    const withSession = { ...headers, "mcp-session-id": session, "mcp-protocol-version": "2025-06-18" };
    await fetch(url, {
      method: "POST",
      headers: withSession,
      body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
    }).then((r) => r.text());
    // A long poll whose connection drops before anything arrives.
    const hangUp = new AbortController();
    const dropped = fetch(url, {
      method: "POST",
      headers: withSession,
      signal: hangUp.signal,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "slack_wait_for_events", arguments: { timeout_seconds: 10 } },
      }),
    }).catch(() => null);
    await new Promise((r) => setTimeout(r, 200));
    hangUp.abort();
    await dropped;
    await new Promise((r) => setTimeout(r, 100));
    const envelope = eventEnvelope({
      type: "app_mention",
      channel: "CGENERAL",
      ts: "1.7",
      text: "still here",
    });
    await backend.publish(TOPIC, envelope);
    const res = await call(client, "slack_wait_for_events", { timeout_seconds: 5 });
    expect((data(res).events as { id: string }[]).map((e) => e.id)).toEqual([envelope.id]);
  });

  it("on shutdown, events not yet returned go back to the group at once", async () => {
    const envelope = eventEnvelope({ type: "app_mention", channel: "CGENERAL", ts: "1.5", text: "unread" });
    await backend.publish(TOPIC, envelope);
    // Let the inbox lease it, then stop the server without any agent taking it.
    await new Promise((r) => setTimeout(r, 200));
    for (const h of handles.splice(0)) await h.close();
    const collector = new DeliveryCollector(backend, TOPIC, { group: "mcp" });
    try {
      const delivery = await collector.next(2000);
      expect(delivery.message.id).toBe(envelope.id);
      await delivery.ack();
    } finally {
      await collector.stop();
    }
  });

  it("uses SLACK_EVENTS_TOPIC and SLACKLINE_MCP_GROUP", async () => {
    const custom = await connect(
      (await startMcp({ SLACK_EVENTS_TOPIC: "custom_events", SLACKLINE_MCP_GROUP: "agent-1" })).url!,
    );
    const envelope = eventEnvelope({ type: "app_mention", channel: "CGENERAL", ts: "1.6", text: "custom" });
    await backend.publish("custom_events", envelope);
    const res = await call(custom, "slack_wait_for_events", { timeout_seconds: 5 });
    expect((data(res).events as { id: string }[]).map((e) => e.id)).toEqual([envelope.id]);
    expect((await backend.stats("custom_events", "agent-1")).depth).toBe(0);
  });
});

describe("http transport", () => {
  /** A raw request, to send headers fetch would not let us set. */
  function raw(
    url: string,
    options: { method?: string; headers?: Record<string, string>; body?: string },
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method: options.method ?? "POST", headers: options.headers }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => {
          body += c.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end(options.body);
    });
  }

  const initialize = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
  });
  const jsonHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" };

  it("without a token, refuses a non-loopback Host or Origin (DNS rebinding)", async () => {
    const url = handles[0]!.url!;
    const ok = await raw(url, { headers: jsonHeaders, body: initialize });
    expect(ok.status).toBe(200);
    const evilHost = await raw(url, {
      headers: { ...jsonHeaders, host: "evil.example:80" },
      body: initialize,
    });
    expect(evilHost.status).toBe(403);
    const evilOrigin = await raw(url, {
      headers: { ...jsonHeaders, origin: "https://evil.example" },
      body: initialize,
    });
    expect(evilOrigin.status).toBe(403);
  });

  it("answers 413 to a body over 4 MiB and 400 to one that is not JSON (the shared body reader)", async () => {
    const url = handles[0]!.url!;
    const huge = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      pad: "x".repeat(4 * 1024 * 1024),
    });
    expect((await raw(url, { headers: jsonHeaders, body: huge })).status).toBe(413);
    expect((await raw(url, { headers: jsonHeaders, body: "{not json" })).status).toBe(400);
  });

  it("answers 400 without a session, 404 for an unknown one or another path, 405 to PUT", async () => {
    const url = handles[0]!.url!;
    expect((await raw(url, { method: "GET", headers: { accept: "text/event-stream" } })).status).toBe(400);
    const toolsList = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    expect((await raw(url, { headers: jsonHeaders, body: toolsList })).status).toBe(400);
    expect(
      (await raw(url, { headers: { ...jsonHeaders, "mcp-session-id": "gone" }, body: toolsList })).status,
    ).toBe(404);
    expect((await raw(url, { method: "PUT", headers: jsonHeaders, body: "{}" })).status).toBe(405);
    expect(
      (await raw(url.replace("/mcp", "/other"), { headers: jsonHeaders, body: initialize })).status,
    ).toBe(404);
    expect((await raw(url, { headers: jsonHeaders, body: "{nope" })).status).toBe(400);
  });

  it("checks the bearer token when SLACKLINE_MCP_TOKEN is set", async () => {
    const { url } = await startMcp({ SLACKLINE_MCP_TOKEN: "s3cret" });
    expect((await raw(url!, { headers: jsonHeaders, body: initialize })).status).toBe(401);
    expect(
      (await raw(url!, { headers: { ...jsonHeaders, authorization: "Bearer wrong" }, body: initialize }))
        .status,
    ).toBe(401);
    await expect(connect(url!)).rejects.toThrow();
    const authed = await connect(url!, { authorization: "Bearer s3cret" });
    const res = await call(authed, "slack_post_message", { channel: "CGENERAL", text: "authed" });
    expect(res.isError).toBeFalsy();
  });

  it("createMcpHttpHandler mounts /mcp on another server, with bounded sessions", async () => {
    const handler = createMcpHttpHandler({
      env: { SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl, SLACKLINE_MCP_INBOX: "off" },
      backend,
      logger: silentLogger,
      maxSessions: 1,
    });
    const server = createServer((req, res) => {
      if (req.url?.startsWith("/mcp")) return void handler.handle(req, res);
      res.writeHead(200).end("gateway");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await (await fetch(`${base}/healthz`)).text()).toBe("gateway");
      const first = await connect(`${base}/mcp`);
      const { tools } = await first.listTools();
      // The inbox is off: no slack_wait_for_events.
      expect(tools.map((t) => t.name)).not.toContain("slack_wait_for_events");
      // The only slot is taken: a second client is refused, and the first is not pushed out.
      await expect(connect(`${base}/mcp`)).rejects.toThrow(/too many open MCP sessions/);
      const res = await call(first, "slack_post_message", { channel: "CGENERAL", text: "mounted" });
      expect(res.isError).toBeFalsy();
      // Ending a session (DELETE /mcp) frees its slot.
      await (first.transport as StreamableHTTPClientTransport).terminateSession();
      const second = await connect(`${base}/mcp`);
      expect((await second.listTools()).tools.length).toBeGreaterThan(0);
    } finally {
      await handler.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("refuses to bind beyond loopback without a token", async () => {
    await expect(
      mcpCommand({ transport: "http", host: "0.0.0.0", port: 0, env: {}, backend, logger: silentLogger }),
    ).rejects.toThrow(/SLACKLINE_MCP_TOKEN/);
    const open = await mcpCommand({
      transport: "http",
      host: "0.0.0.0",
      port: 0,
      env: { SLACKLINE_MCP_TOKEN: "t", SLACK_API_URL: slack.apiUrl },
      backend,
      logger: silentLogger,
    });
    handles.push(open);
    expect(open.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/mcp$/);
  });
});
