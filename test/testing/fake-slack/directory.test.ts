import type { WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeSlack, generatedUsers } from "../../../src/testing/index.js";
import { client, slackFailure } from "./helpers.js";

let slack: FakeSlack;
let bot: WebClient;

beforeEach(async () => {
  slack = await FakeSlack.start({
    bots: [
      { token: "xoxb-full", user_id: "UBOT" },
      { token: "xoxb-narrow", user_id: "UNARROW", scopes: ["chat:write", "users:read"] },
    ],
    userTokens: [{ token: "xoxp-alice", user_id: "UALICE", scopes: ["search:read", "channels:history"] }],
    seed: {
      users: [{ id: "UALICE", name: "alice", real_name: "Alice Example", email: "alice@example.com" }],
      usergroups: [
        { id: "SONCALL", handle: "oncall", name: "On call", users: ["UALICE", "UBOT"] },
        { id: "SOLD", handle: "old", disabled: true },
      ],
      channels: [{ id: "CGENERAL", name: "general" }],
    },
  });
  bot = client(slack, "xoxb-full");
});

afterEach(async () => {
  await slack.close();
});

describe("tokens and scopes", () => {
  it("answers missing_scope with needed and provided, and not_allowed_token_type to bots on search", async () => {
    const narrow = client(slack, "xoxb-narrow");
    expect(await slackFailure(narrow.conversations.history({ channel: "CGENERAL" }))).toMatchObject({
      error: "missing_scope",
      needed: "channels:history",
      provided: "chat:write,users:read",
    });
    expect(await slackFailure(narrow.usergroups.list())).toMatchObject({ needed: "usergroups:read" });
    expect(await slackFailure(bot.search.messages({ query: "x" }))).toMatchObject({
      error: "not_allowed_token_type",
    });
    const alice = client(slack, "xoxp-alice");
    expect(await alice.auth.test()).toMatchObject({ user_id: "UALICE", user: "alice" });
    expect(await slackFailure(alice.chat.postMessage({ channel: "CGENERAL", text: "x" }))).toMatchObject({
      needed: "chat:write",
    });
  });

  it("hides emails from tokens without users:read.email", async () => {
    const full = await bot.users.info({ user: "UALICE" });
    expect(full.user?.profile?.email).toBe("alice@example.com");
    const narrow = await client(slack, "xoxb-narrow").users.info({ user: "UALICE" });
    expect(narrow.user?.profile?.email).toBeUndefined();
  });
});

describe("users.list at scale", () => {
  it("seeds 50,000 users quickly and pages them with cursors", async () => {
    const started = performance.now();
    expect(slack.addUsers(generatedUsers(50_000))).toBe(50_000);
    const seedMs = performance.now() - started;
    expect(seedMs).toBeLessThan(2000);
    let cursor: string | undefined;
    let seen = 0;
    let pages = 0;
    do {
      const page = await bot.users.list({ limit: 1000, cursor });
      seen += page.members?.length ?? 0;
      pages += 1;
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    // Two bots and alice come first.
    expect(seen).toBe(50_003);
    expect(pages).toBe(51);
    const first = await bot.users.list({ limit: 2 });
    expect(first.members?.map((m) => m.id)).toEqual(["UBOT", "UNARROW"]);
    expect(await slackFailure(bot.users.list({ cursor: "bm9wZQ==" }))).toMatchObject({
      error: "invalid_cursor",
    });
  });
});

describe("usergroups", () => {
  it("lists groups (disabled ones on request) and their members", async () => {
    const list = await bot.usergroups.list({ include_users: true, include_count: true });
    expect(list.usergroups?.map((g) => [g.id, g.handle, g.user_count, g.users])).toEqual([
      ["SONCALL", "oncall", 2, ["UALICE", "UBOT"]],
    ]);
    const all = await bot.usergroups.list({ include_disabled: true });
    expect(all.usergroups?.map((g) => g.id)).toEqual(["SONCALL", "SOLD"]);
    expect((await bot.usergroups.users.list({ usergroup: "SONCALL" })).users).toEqual(["UALICE", "UBOT"]);
    expect(await slackFailure(bot.usergroups.users.list({ usergroup: "SNOPE" }))).toMatchObject({
      error: "no_such_subteam",
    });
  });
});

describe("search.messages", () => {
  it("finds words with in: and from:, sorts, and pages by page and by cursor", async () => {
    slack.addChannel({ id: "CSECRET", name: "secret", is_private: true, members: ["UBOT"] });
    for (let i = 0; i < 5; i++) slack.addMessage("CGENERAL", { user: "UALICE", text: `deploy ${i}` });
    slack.addMessage("CGENERAL", { user: "UBOT", text: "deploy deploy by bot" });
    slack.addMessage("CSECRET", { user: "UBOT", text: "deploy secret" });
    const alice = client(slack, "xoxp-alice");
    const all = await alice.search.messages({ query: "deploy" });
    // The private channel alice is not in stays hidden; the best score comes first.
    expect(all.messages?.total).toBe(6);
    expect(all.messages?.matches?.[0]?.text).toBe("deploy deploy by bot");
    expect(all.messages?.matches?.[0]?.permalink).toMatch(
      /^https:\/\/fake-workspace\.slack\.com\/archives\/CGENERAL\/p\d+$/,
    );
    const fromAlice = await alice.search.messages({
      query: "deploy from:@alice in:#general",
      sort: "timestamp",
    });
    expect(fromAlice.messages?.matches?.map((m) => m.text)).toEqual(
      [4, 3, 2, 1, 0].map((i) => `deploy ${i}`),
    );
    const first = await alice.search.messages({
      query: "deploy from:<@UALICE>",
      count: 2,
      cursor: "*",
      sort: "timestamp",
      sort_dir: "asc",
    });
    expect(first.messages?.matches?.map((m) => m.text)).toEqual(["deploy 0", "deploy 1"]);
    const next = first.response_metadata?.next_cursor;
    expect(next).toBeTruthy();
    const second = await alice.search.messages({
      query: "deploy from:<@UALICE>",
      count: 2,
      cursor: next,
      sort: "timestamp",
      sort_dir: "asc",
    });
    expect(second.messages?.matches?.map((m) => m.text)).toEqual(["deploy 2", "deploy 3"]);
    expect(second.messages?.paging).toMatchObject({ page: 2, pages: 3, total: 5 });
  });
});
