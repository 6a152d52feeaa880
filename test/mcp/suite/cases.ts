import { expect } from "vitest";
import { TOOL_CATALOG, type ToolName } from "../../../src/mcp/tools/catalog.js";
import type { Profile } from "./profiles.js";
import { type CaseContext, data, eventEnvelope, ids, textOf } from "./world.js";

export interface Case {
  name: string;
  profile?: Profile;
  run(ctx: CaseContext): Promise<void>;
}

const ALL = Object.keys(TOOL_CATALOG) as ToolName[];
const WRITE = ALL.filter((n) => TOOL_CATALOG[n].write);

export const CASES: Case[] = [
  {
    name: "lists every tool, each with an outputSchema and annotations that match the catalogue",
    async run({ h }) {
      expect(h.tools.map((t) => t.name).sort()).toEqual([...ALL].sort());
      for (const tool of h.tools) {
        const info = TOOL_CATALOG[tool.name as ToolName];
        expect(tool.outputSchema?.type, tool.name).toBe("object");
        expect(tool.annotations?.readOnlyHint, tool.name).toBe(
          !info.write && info.token !== "inbox" ? true : tool.name === "slack_get_event",
        );
        if (info.write) expect(typeof tool.annotations?.destructiveHint, tool.name).toBe("boolean");
      }
    },
  },
  {
    name: "slack_post_message and slack_thread_reply post with MCP metadata",
    async run({ h, slack, channel }) {
      const c = channel();
      const posted = await h.call("slack_post_message", { channel: c, text: "status?" });
      const { ts } = data(posted) as { ts: string };
      await h.call("slack_thread_reply", { channel: c, thread_ts: ts, texts: ["one", "two"] });
      expect(slack.message(c, ts)?.metadata).toEqual({
        event_type: "slackline_mcp",
        event_payload: { tool: "slack_post_message" },
      });
      expect(
        slack.replies(c, ts).map((m) => [m.text, (m.metadata as { event_type: string }).event_type]),
      ).toEqual([
        ["one", "slackline_mcp"],
        ["two", "slackline_mcp"],
      ]);
      const thread = await h.call("slack_read_thread_messages", { channel: c, thread_ts: ts });
      expect((data(thread).messages as { text: string }[]).map((m) => m.text)).toEqual([
        "status?",
        "one",
        "two",
      ]);
      const history = await h.call("slack_read_channel_messages", { channel: c });
      expect((data(history).messages as { text: string }[]).map((m) => m.text)).toEqual(["status?"]);
    },
  },
  {
    name: "slack_update_message and slack_delete_message change the bot's own messages only",
    async run({ h, slack, channel }) {
      const c = channel();
      const { ts } = data(await h.call("slack_post_message", { channel: c, text: "v1" })) as { ts: string };
      const updated = await h.call("slack_update_message", { channel: c, ts, text: "v2" });
      expect(data(updated)).toMatchObject({ ok: true, ts, text: "v2" });
      expect(slack.message(c, ts)?.text).toBe("v2");
      const hers = slack.addMessage(c, { user: "UALICE", text: "mine" });
      expect(
        data(await h.call("slack_update_message", { channel: c, ts: hers.ts, text: "x" })),
      ).toMatchObject({
        error: "cant_update_message",
        method: "chat.update",
      });
      expect(data(await h.call("slack_delete_message", { channel: c, ts: hers.ts })).error).toBe(
        "cant_delete_message",
      );
      expect((await h.call("slack_delete_message", { channel: c, ts })).isError).toBeFalsy();
      expect(slack.message(c, ts)).toBeUndefined();
      expect(data(await h.call("slack_delete_message", { channel: c, ts })).error).toBe("message_not_found");
    },
  },
  {
    name: "slack_get_permalink, slack_post_ephemeral and slack_open_dm",
    async run({ h, slack, channel }) {
      const c = channel();
      const msg = slack.addMessage(c, { user: "UALICE", text: "link me" });
      const link = await h.call("slack_get_permalink", { channel: c, ts: msg.ts });
      expect(data(link).permalink).toBe(
        `https://fake-workspace.slack.com/archives/${c}/p${msg.ts.replace(".", "")}`,
      );
      const whisper = await h.call("slack_post_ephemeral", { channel: c, user: "UALICE", text: "psst" });
      expect(data(whisper).message_ts).toMatch(/^\d+\.\d+$/);
      expect(slack.ephemerals(c).map((e) => [e.user, e.text])).toEqual([["UALICE", "psst"]]);
      expect(
        data(await h.call("slack_post_ephemeral", { channel: c, user: "UCAROL", text: "x" })).error,
      ).toBe("user_not_in_channel");
      const dm = await h.call("slack_open_dm", { users: ["UCAROL"], text: "hello carol" });
      const { channel: dmId, ts } = data(dm) as { channel: string; ts: string };
      expect(dmId).toMatch(/^D/);
      expect(slack.message(dmId, ts)?.text).toBe("hello carol");
      expect(data(await h.call("slack_open_dm", { users: ["UCAROL"] }))).toMatchObject({
        channel: dmId,
        already_open: true,
      });
    },
  },
  {
    name: "slack_add_reactions and slack_remove_reactions report what was already there or absent",
    async run({ h, slack, channel }) {
      const c = channel();
      const msg = slack.addMessage(c, { user: "UALICE", text: "ship it" });
      await h.call("slack_add_reactions", { channel: c, timestamp: msg.ts, emojis: ["eyes", ":rocket:"] });
      const removed = await h.call("slack_remove_reactions", {
        channel: c,
        timestamp: msg.ts,
        emojis: ["eyes", "tada"],
      });
      expect(data(removed)).toMatchObject({ ok: true, removed: ["eyes"], absent: ["tada"] });
      expect(slack.reactions(c, msg.ts).map((r) => r.name)).toEqual(["rocket"]);
    },
  },
  {
    name: "slack_read_emojis, slack_list_channels and slack_get_user",
    async run({ h }) {
      expect(data(await h.call("slack_read_emojis"))).toEqual({
        count: 1,
        emoji: { shipit: "https://emoji.example/shipit.png" },
      });
      const page = await h.call("slack_list_channels", { limit: 5 });
      expect((data(page).channels as unknown[]).length).toBe(5);
      expect(data(page).next_cursor).toBeTruthy();
      expect(data(await h.call("slack_get_user", { user: "UBOB" })).user).toMatchObject({
        id: "UBOB",
        real_name: "Bob Builder",
      });
    },
  },
  {
    name: "slack_search_users finds by name and email, paged",
    async run({ h }) {
      const byMail = await h.call("slack_search_users", { query: "@example.com", limit: 1 });
      expect(data(byMail)).toMatchObject({ complete: true });
      expect(ids(data(byMail).users)).toEqual(["UALICE"]);
      const next = await h.call("slack_search_users", {
        query: "@example.com",
        limit: 1,
        cursor: data(byMail).next_cursor,
      });
      expect(ids(data(next).users)).toEqual(["UBOB"]);
      expect(data(next).next_cursor).toBeNull();
      expect(ids(data(await h.call("slack_search_users", { query: "SINGER" })).users)).toEqual(["UCAROL"]);
    },
  },
  {
    name: "slack_list_usergroups and slack_get_usergroup_members",
    async run({ h }) {
      const groups = await h.call("slack_list_usergroups");
      expect(data(groups).usergroups).toEqual([
        expect.objectContaining({ id: "SONCALL", handle: "oncall", user_count: 2 }),
      ]);
      const members = await h.call("slack_get_usergroup_members", { usergroup: "SONCALL" });
      expect(data(members).users).toEqual([
        expect.objectContaining({ id: "UALICE", name: "alice" }),
        expect.objectContaining({ id: "UBOB", name: "bob" }),
      ]);
      expect(data(await h.call("slack_get_usergroup_members", { usergroup: "SNOPE" })).error).toBe(
        "no_such_subteam",
      );
    },
  },
  {
    name: "slack_upload_file then slack_read_file (capped), and a binary file without content",
    async run({ h, slack, channel }) {
      const c = channel();
      const up = await h.call("slack_upload_file", {
        channel: c,
        filename: "notes.md",
        content: "# Notes\nall good\n",
        initial_comment: "notes",
      });
      const { file_id } = data(up) as { file_id: string };
      expect(file_id).toMatch(/^F/);
      expect(slack.messages(c).at(-1)?.text).toBe("notes");
      const read = await h.call("slack_read_file", { file: file_id });
      expect(data(read)).toMatchObject({
        content: "# Notes\nall good\n",
        truncated: false,
        file: { name: "notes.md" },
      });
      const capped = await h.call("slack_read_file", { file: file_id, max_bytes: 7 });
      expect(data(capped)).toMatchObject({ content: "# Notes", truncated: true, bytes: 7 });
      const png = slack.addFile(c, { name: "pic.png", content: Buffer.from([137, 80, 78, 71]) });
      expect(data(await h.call("slack_read_file", { file: png.id }))).toMatchObject({
        content: null,
        file: { mimetype: "image/png" },
      });
      expect(data(await h.call("slack_read_file", { file: "FNOPE" })).error).toBe("file_not_found");
    },
  },
  {
    name: "slack_search_messages (user token) pages with cursors",
    async run({ h, slack, channel }) {
      const c = channel();
      const word = `zebra${c.toLowerCase()}`;
      for (let i = 0; i < 3; i++) slack.addMessage(c, { user: "UBOB", text: `${word} ${i}` });
      const first = await h.call("slack_search_messages", {
        query: `${word} from:@bob`,
        sort: "timestamp",
        sort_dir: "asc",
        count: 2,
      });
      expect(data(first)).toMatchObject({ total: 3 });
      expect(
        (data(first).matches as { text: string; channel: string }[]).map((m) => [m.text, m.channel]),
      ).toEqual([
        [`${word} 0`, c],
        [`${word} 1`, c],
      ]);
      const second = await h.call("slack_search_messages", {
        query: `${word} from:@bob`,
        sort: "timestamp",
        sort_dir: "asc",
        count: 2,
        cursor: data(first).next_cursor,
      });
      expect((data(second).matches as { text: string }[]).map((m) => m.text)).toEqual([`${word} 2`]);
      expect(data(second).next_cursor).toBeNull();
    },
  },
  {
    name: "slack_list_unreads: after last_read, or since a ts",
    async run({ h, slack, channel }) {
      const c = channel();
      const read = slack.addMessage(c, { user: "UBOB", text: "seen" });
      slack.markRead(c, "UALICE", read.ts);
      slack.addMessage(c, { user: "UBOB", text: "unseen 1" });
      slack.addMessage(c, { user: "UBOB", text: "unseen 2" });
      const res = await h.call("slack_list_unreads", { channels: [c, "CBULK001"] });
      expect(data(res)).toMatchObject({ mode: "last_read", scanned: 2, complete: true });
      const mine = (
        data(res).channels as { id: string; unread_count: number; messages: { text: string }[] }[]
      ).find((x) => x.id === c);
      expect(mine).toMatchObject({ unread_count: 2, last_read: read.ts });
      expect(mine!.messages.map((m) => m.text)).toEqual(["unseen 2", "unseen 1"]);
      // max_channels reached: the rest is one cursor away.
      const c2 = channel();
      slack.addMessage(c2, { user: "UBOB", text: "elsewhere" });
      const one = await h.call("slack_list_unreads", { channels: [c, c2], max_channels: 1 });
      expect(data(one)).toMatchObject({ complete: false, scanned: 1 });
      const rest = await h.call("slack_list_unreads", { channels: [c, c2], cursor: data(one).next_cursor });
      expect(ids(data(rest).channels)).toEqual([c2]);
      expect(data(rest)).toMatchObject({ complete: true, next_cursor: null });
      const since = await h.call("slack_list_unreads", { since: "0", channels: [c] });
      expect(data(since).mode).toBe("since");
      expect((data(since).channels as { messages: unknown[] }[])[0]!.messages).toHaveLength(3);
    },
  },
  {
    name: "slack_wait_for_events skips the agent's own messages and acks on return",
    async run({ h, channel }) {
      const c = channel();
      const own = eventEnvelope({
        type: "message",
        channel: c,
        ts: "1.1",
        text: "mine",
        metadata: { event_type: "slackline_mcp", event_payload: {} },
      });
      const theirs = eventEnvelope({ type: "message", channel: c, ts: "1.2", text: "hers" });
      await h.publish(own);
      await h.publish(theirs);
      const got = await h.call("slack_wait_for_events", { channel: c, timeout_seconds: 10 });
      expect(ids(data(got).events)).toEqual([theirs.id]);
      expect(data(await h.call("slack_get_event", { id: theirs.id }))).toMatchObject({ state: "acked" });
      expect(data(await h.call("slack_get_event", { id: own.id })).error).toBe("event_not_found");
    },
  },
  {
    name: "explicit acks: an unacked event comes back after its lease, then slack_ack_events settles it",
    async run({ h, channel }) {
      const c = channel();
      const mention = eventEnvelope({ type: "app_mention", channel: c, ts: "2.1", text: "deploy?" });
      await h.publish(mention);
      const first = await h.call("slack_wait_for_events", { channel: c, ack: false, timeout_seconds: 10 });
      const [lent] = data(first).events as { id: string; receipt: string; attempt: number }[];
      expect(lent).toMatchObject({ id: mention.id, attempt: 1 });
      expect(data(await h.call("slack_get_event", { id: mention.id })).state).toBe("pending_ack");
      // The agent "crashes": no ack. After the 1 s lease the event is back, with a new receipt.
      const again = await h.call("slack_wait_for_events", { channel: c, ack: false, timeout_seconds: 15 });
      const [back] = data(again).events as { id: string; receipt: string; attempt: number }[];
      expect(back).toMatchObject({ id: mention.id, attempt: 2 });
      expect(back!.receipt).not.toBe(lent!.receipt);
      const acked = await h.call("slack_ack_events", { receipts: [back!.receipt, lent!.receipt] });
      expect(data(acked)).toMatchObject({ acked: [mention.id], unknown: [lent!.receipt] });
      expect(data(await h.call("slack_get_event", { id: mention.id })).state).toBe("acked");
      expect(
        data(await h.call("slack_wait_for_events", { channel: c, timeout_seconds: 1.5 })).events,
      ).toEqual([]);
    },
  },
  {
    name: "resources: resources/list pages, slack://users and slack://channels/{id} read",
    async run({ h }) {
      const first = await h.client.listResources();
      expect(first.resources.map((r) => r.uri).slice(0, 3)).toEqual([
        "slack://emojis",
        "slack://channels",
        "slack://users",
      ]);
      expect(first.nextCursor).toBeTruthy();
      const second = await h.client.listResources({ cursor: first.nextCursor });
      expect(second.resources.length).toBeGreaterThan(0);
      expect(second.resources.every((r) => r.uri.startsWith("slack://channels/"))).toBe(true);
      const users = await h.client.readResource({ uri: "slack://users" });
      const page = JSON.parse((users.contents[0] as { text: string }).text) as {
        users: { id: string }[];
        complete: boolean;
      };
      expect(page.complete).toBe(true);
      expect(page.users.map((u) => u.id)).toEqual(expect.arrayContaining(["UALICE", "UBOB", "UCAROL"]));
      const one = await h.client.readResource({ uri: "slack://channels/CBULK007" });
      expect(JSON.parse((one.contents[0] as { text: string }).text)).toMatchObject({
        id: "CBULK007",
        name: "bulk-7",
      });
    },
  },
  {
    name: "--read-only lists no write tool; reads still work",
    profile: "readOnly",
    async run({ h }) {
      const names = h.tools.map((t) => t.name);
      for (const w of WRITE) expect(names).not.toContain(w);
      expect(names).toContain("slack_search_messages");
      expect(data(await h.call("slack_get_user", { user: "UALICE" })).user).toMatchObject({ name: "alice" });
    },
  },
  {
    name: "SLACKLINE_MCP_TOOLS offers only the listed tools whose token is configured",
    profile: "allowList",
    async run({ h }) {
      // slack_search_messages is allowed but needs SLACK_USER_TOKEN, which this server lacks.
      expect(h.tools.map((t) => t.name).sort()).toEqual(["slack_get_user", "slack_wait_for_events"]);
    },
  },
  {
    name: "missing_scope names the scope Slack says is needed",
    profile: "narrowScopes",
    async run({ h }) {
      const res = await h.call("slack_read_emojis");
      expect(res.isError).toBe(true);
      expect(data(res)).toMatchObject({
        error: "missing_scope",
        needed: "emoji:read",
        provided: "chat:write",
      });
      expect(textOf(res)).toContain("needs the scope emoji:read");
    },
  },
  {
    name: "SLACKLINE_MCP_WRITE_CHANNELS holds every write tool to its list, without calling Slack",
    profile: "writeList",
    async run({ h, slack, channel }) {
      const c = channel();
      const msg = slack.addMessage(c, { user: "U0BOT", text: "the bot's" });
      const before = slack.calls.length;
      const attempts: [string, Record<string, unknown>][] = [
        ["slack_post_message", { channel: c, text: "x" }],
        ["slack_thread_reply", { channel: c, thread_ts: msg.ts, texts: ["x"] }],
        ["slack_update_message", { channel: c, ts: msg.ts, text: "x" }],
        ["slack_delete_message", { channel: c, ts: msg.ts }],
        ["slack_post_ephemeral", { channel: c, user: "UALICE", text: "x" }],
        ["slack_add_reactions", { channel: c, timestamp: msg.ts, emojis: ["x"] }],
        ["slack_remove_reactions", { channel: c, timestamp: msg.ts, emojis: ["x"] }],
        ["slack_upload_file", { channel: c, filename: "a.txt", content: "x" }],
      ];
      for (const [tool, args] of attempts) {
        const res = await h.call(tool, args);
        expect(data(res), tool).toMatchObject({ ok: false, error: "channel_not_allowed", channel: c });
      }
      expect(slack.calls.length).toBe(before);
      expect(slack.message(c, msg.ts)?.text).toBe("the bot's");
      // A DM is allowed by the user id it is with.
      const dm = await h.call("slack_open_dm", { users: ["UBOB"], text: "allowed" });
      expect(dm.isError).toBeFalsy();
      expect(data(await h.call("slack_open_dm", { users: ["UCAROL"], text: "no" })).error).toBe(
        "channel_not_allowed",
      );
    },
  },
  {
    name: "outbound pacing refuses at once, with retry_after, what would wait past its bound",
    profile: "paced",
    async run({ h, slack }) {
      expect((await h.call("slack_read_emojis")).isError).toBeFalsy();
      const before = slack.callsTo("emoji.list").length;
      const started = Date.now();
      const paced = await h.call("slack_read_emojis");
      expect(Date.now() - started).toBeLessThan(2000);
      expect(data(paced)).toMatchObject({ error: "ratelimited", source: "slackline" });
      expect(data(paced).retry_after).toBeGreaterThan(10);
      expect(slack.callsTo("emoji.list").length).toBe(before);
    },
  },
];
