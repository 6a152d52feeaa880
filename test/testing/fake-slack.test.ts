import {
  ErrorCode,
  LogLevel,
  type WebAPIPlatformError,
  type WebAPIRateLimitedError,
  WebClient,
} from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_FAKE_TOKEN, FakeSlack } from "../../src/testing/index.js";

const client = (slack: FakeSlack, token = slack.token, extra: Record<string, unknown> = {}): WebClient =>
  new WebClient(token, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
    ...extra,
  });

/** The Slack error code of a failed WebClient call. */
async function slackError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    const e = err as WebAPIPlatformError;
    if (e.code === ErrorCode.PlatformError) return e.data.error;
    throw err;
  }
  throw new Error("the call succeeded");
}

let slack: FakeSlack;
let web: WebClient;

beforeEach(async () => {
  slack = await FakeSlack.start({
    bots: [
      { token: "xoxb-one", user_id: "UBOT1", bot_id: "BBOT1", app_id: "AAPP1", name: "one" },
      { token: "xoxb-two", user_id: "UBOT2", bot_id: "BBOT2", app_id: "AAPP2", name: "two" },
    ],
    seed: {
      users: [{ id: "UALICE", name: "alice", real_name: "Alice Example" }],
      emoji: { partyparrot: "https://emoji.example/partyparrot.gif", parrot: "alias:partyparrot" },
      channels: [
        { id: "CGENERAL", name: "general" },
        { id: "CLOCKS", name: "locks", members: ["UBOT1", "UBOT2"] },
        { id: "CSECRET", name: "secret", is_private: true, members: ["UBOT1"] },
        { id: "COTHER", name: "other", members: ["UALICE"] },
      ],
    },
  });
  web = client(slack, "xoxb-one");
});

afterEach(async () => {
  await slack.close();
});

describe("auth", () => {
  it("auth.test names the bot behind each token", async () => {
    const one = await web.auth.test();
    expect(one).toMatchObject({
      ok: true,
      user_id: "UBOT1",
      bot_id: "BBOT1",
      team_id: "T0FAKE",
      user: "one",
    });
    const two = await client(slack, "xoxb-two").auth.test();
    expect(two.user_id).toBe("UBOT2");
  });

  it("answers invalid_auth for an unknown token and not_authed without one", async () => {
    expect(await slackError(client(slack, "xoxb-nope").auth.test())).toBe("invalid_auth");
    expect(
      await slackError(
        new WebClient(undefined, { slackApiUrl: slack.apiUrl, logLevel: LogLevel.ERROR }).auth.test(),
      ),
    ).toBe("not_authed");
  });

  it("starts with one default bot when none is configured", async () => {
    const fake = await FakeSlack.start();
    try {
      expect(fake.token).toBe(DEFAULT_FAKE_TOKEN);
      const res = await client(fake).auth.test();
      expect(res.user_id).toBe("U0BOT");
    } finally {
      await fake.close();
    }
  });

  it("accepts a JSON body and a GET with the token as an argument", async () => {
    const post = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: { authorization: "Bearer xoxb-one", "content-type": "application/json" },
      body: JSON.stringify({
        channel: "CGENERAL",
        text: "json",
        metadata: { event_type: "t", event_payload: { a: 1 } },
      }),
    });
    const posted = (await post.json()) as { ok: boolean; message: { metadata: unknown } };
    expect(posted.ok).toBe(true);
    expect(posted.message.metadata).toEqual({ event_type: "t", event_payload: { a: 1 } });
    const get = await fetch(`${slack.apiUrl}auth.test?token=xoxb-two`);
    expect(await get.json()).toMatchObject({ ok: true, user_id: "UBOT2" });
    const unknown = await fetch(`${slack.apiUrl}nope.nothing`, {
      headers: { authorization: "Bearer xoxb-one" },
    });
    expect(await unknown.json()).toMatchObject({ ok: false, error: "unknown_method" });
  });
});

describe("chat.postMessage", () => {
  it("posts with blocks and metadata, and the message shows in history", async () => {
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "*hi*" } }];
    const res = await web.chat.postMessage({
      channel: "CGENERAL",
      text: "hello",
      blocks,
      metadata: { event_type: "job_queued", event_payload: { id: "j1" } },
    });
    expect(res.ok).toBe(true);
    expect(res.channel).toBe("CGENERAL");
    expect(res.message).toMatchObject({ text: "hello", user: "UBOT1", bot_id: "BBOT1", blocks });
    expect(res.message?.metadata).toEqual({ event_type: "job_queued", event_payload: { id: "j1" } });
    const [stored] = slack.messages("CGENERAL");
    expect(stored).toMatchObject({ ts: res.ts, text: "hello", blocks });
  });

  it("accepts a channel name", async () => {
    const res = await web.chat.postMessage({ channel: "#general", text: "by name" });
    expect(res.channel).toBe("CGENERAL");
  });

  it("threads replies under the parent and keeps them out of the channel timeline", async () => {
    const parent = await web.chat.postMessage({ channel: "CGENERAL", text: "parent" });
    const r1 = await web.chat.postMessage({ channel: "CGENERAL", text: "r1", thread_ts: parent.ts! });
    // A reply to a reply lands in the same thread.
    const r2 = await web.chat.postMessage({ channel: "CGENERAL", text: "r2", thread_ts: r1.ts! });
    expect(r2.message?.thread_ts).toBe(parent.ts);
    expect(slack.replies("CGENERAL", parent.ts!).map((m) => m.text)).toEqual(["r1", "r2"]);
    expect(slack.messages("CGENERAL").map((m) => m.text)).toEqual(["parent"]);
    expect(slack.message("CGENERAL", parent.ts!)).toMatchObject({ reply_count: 2, latest_reply: r2.ts });
  });

  it("answers Slack's error codes", async () => {
    expect(await slackError(web.chat.postMessage({ channel: "CNOPE", text: "x" }))).toBe("channel_not_found");
    expect(await slackError(web.chat.postMessage({ channel: "COTHER", text: "x" }))).toBe("not_in_channel");
    const two = client(slack, "xoxb-two");
    expect(await slackError(two.chat.postMessage({ channel: "CSECRET", text: "x" }))).toBe(
      "channel_not_found",
    );
    expect(await slackError(web.chat.postMessage({ channel: "CGENERAL", text: "" }))).toBe("no_text");
    expect(
      await slackError(web.chat.postMessage({ channel: "CGENERAL", text: "x", thread_ts: "1.000001" })),
    ).toBe("thread_not_found");
    expect(
      await slackError(
        web.apiCall("chat.postMessage", { channel: "CGENERAL", text: "x", metadata: { event_type: "t" } }),
      ),
    ).toBe("invalid_metadata_schema");
  });

  it("updates and deletes only the bot's own messages", async () => {
    const mine = await web.chat.postMessage({ channel: "CLOCKS", text: "v1" });
    await web.chat.update({ channel: "CLOCKS", ts: mine.ts!, text: "v2" });
    expect(slack.message("CLOCKS", mine.ts!)?.text).toBe("v2");
    const other = client(slack, "xoxb-two");
    expect(await slackError(other.chat.update({ channel: "CLOCKS", ts: mine.ts!, text: "x" }))).toBe(
      "cant_update_message",
    );
    expect(await slackError(other.chat.delete({ channel: "CLOCKS", ts: mine.ts! }))).toBe(
      "cant_delete_message",
    );
    await web.chat.delete({ channel: "CLOCKS", ts: mine.ts! });
    expect(slack.message("CLOCKS", mine.ts!)).toBeUndefined();
  });
});

describe("conversations", () => {
  it("history is newest first, paginates by cursor, and honours oldest/latest", async () => {
    const ts: string[] = [];
    for (let i = 0; i < 7; i++)
      ts.push((await web.chat.postMessage({ channel: "CGENERAL", text: `m${i}` })).ts!);
    const first = await web.conversations.history({ channel: "CGENERAL", limit: 3 });
    expect(first.messages?.map((m) => m.text)).toEqual(["m6", "m5", "m4"]);
    expect(first.has_more).toBe(true);
    const second = await web.conversations.history({
      channel: "CGENERAL",
      limit: 3,
      cursor: first.response_metadata!.next_cursor!,
    });
    expect(second.messages?.map((m) => m.text)).toEqual(["m3", "m2", "m1"]);

    const all: string[] = [];
    for await (const page of web.paginate("conversations.history", { channel: "CGENERAL", limit: 2 })) {
      all.push(...((page as { messages?: { text: string }[] }).messages ?? []).map((m) => m.text));
    }
    expect(all).toEqual(["m6", "m5", "m4", "m3", "m2", "m1", "m0"]);

    const bounded = await web.conversations.history({ channel: "CGENERAL", oldest: ts[1], latest: ts[4] });
    expect(bounded.messages?.map((m) => m.text)).toEqual(["m3", "m2"]);
    const inclusive = await web.conversations.history({
      channel: "CGENERAL",
      oldest: ts[1],
      latest: ts[4],
      inclusive: true,
    });
    expect(inclusive.messages?.map((m) => m.text)).toEqual(["m4", "m3", "m2", "m1"]);
    expect(await slackError(web.conversations.history({ channel: "CGENERAL", cursor: "bogus" }))).toBe(
      "invalid_cursor",
    );
  });

  it("returns message metadata only with include_all_metadata", async () => {
    await web.chat.postMessage({
      channel: "CLOCKS",
      text: "job",
      metadata: { event_type: "job", event_payload: { n: 1 } },
    });
    const plain = await web.conversations.history({ channel: "CLOCKS" });
    expect(plain.messages?.[0]?.metadata).toBeUndefined();
    const full = await web.conversations.history({ channel: "CLOCKS", include_all_metadata: true });
    expect(full.messages?.[0]?.metadata).toEqual({ event_type: "job", event_payload: { n: 1 } });
  });

  it("replies lists the parent then the replies, paginated, and thread_not_found otherwise", async () => {
    const parent = await web.chat.postMessage({ channel: "CGENERAL", text: "p" });
    for (let i = 0; i < 4; i++)
      await web.chat.postMessage({ channel: "CGENERAL", text: `r${i}`, thread_ts: parent.ts! });
    const texts: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await web.conversations.replies({ channel: "CGENERAL", ts: parent.ts!, limit: 2, cursor });
      texts.push(...(page.messages ?? []).map((m) => m.text!));
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    expect(texts).toEqual(["p", "r0", "r1", "r2", "r3"]);
    expect(await slackError(web.conversations.replies({ channel: "CGENERAL", ts: "1.000001" }))).toBe(
      "thread_not_found",
    );
    expect(await slackError(web.conversations.history({ channel: "COTHER" }))).toBe("not_in_channel");
  });

  it("list filters by type and membership and paginates", async () => {
    for (let i = 0; i < 5; i++) slack.addChannel({ id: `CX${i}`, name: `extra-${i}` });
    const names: string[] = [];
    for await (const page of web.paginate("conversations.list", { limit: 3 })) {
      names.push(...((page as { channels?: { name: string }[] }).channels ?? []).map((c) => c.name));
    }
    expect(names).toEqual([
      "general",
      "locks",
      "other",
      "extra-0",
      "extra-1",
      "extra-2",
      "extra-3",
      "extra-4",
    ]);
    const priv = await web.conversations.list({ types: "private_channel" });
    expect(priv.channels?.map((c) => c.id)).toEqual(["CSECRET"]);
    const privTwo = await client(slack, "xoxb-two").conversations.list({ types: "private_channel" });
    expect(privTwo.channels).toEqual([]);
    const page = await web.conversations.list({ limit: 2 });
    expect(page.channels?.[0]).toMatchObject({ id: "CGENERAL", is_member: true, is_private: false });
    expect(page.response_metadata?.next_cursor).not.toBe("");
  });
});

describe("reactions", () => {
  it("are unique per user, message and emoji", async () => {
    const { ts } = await web.chat.postMessage({ channel: "CLOCKS", text: "lock me" });
    const two = client(slack, "xoxb-two");
    await web.reactions.add({ channel: "CLOCKS", timestamp: ts!, name: "lock" });
    await two.reactions.add({ channel: "CLOCKS", timestamp: ts!, name: "lock" });
    expect(await slackError(web.reactions.add({ channel: "CLOCKS", timestamp: ts!, name: "lock" }))).toBe(
      "already_reacted",
    );
    expect(slack.reactions("CLOCKS", ts!)).toEqual([{ name: "lock", users: ["UBOT1", "UBOT2"], count: 2 }]);
    const got = await web.reactions.get({ channel: "CLOCKS", timestamp: ts! });
    expect(got.message?.reactions).toEqual([{ name: "lock", users: ["UBOT1", "UBOT2"], count: 2 }]);

    await web.reactions.remove({ channel: "CLOCKS", timestamp: ts!, name: "lock" });
    expect(await slackError(web.reactions.remove({ channel: "CLOCKS", timestamp: ts!, name: "lock" }))).toBe(
      "no_reaction",
    );
    expect(slack.reactions("CLOCKS", ts!)).toEqual([{ name: "lock", users: ["UBOT2"], count: 1 }]);
  });

  it("answers message_not_found, channel_not_found, invalid_name", async () => {
    expect(await slackError(web.reactions.add({ channel: "CLOCKS", timestamp: "1.000001", name: "x" }))).toBe(
      "message_not_found",
    );
    expect(await slackError(web.reactions.add({ channel: "CNOPE", timestamp: "1.000001", name: "x" }))).toBe(
      "channel_not_found",
    );
    const { ts } = await web.chat.postMessage({ channel: "CLOCKS", text: "m" });
    expect(await slackError(web.reactions.add({ channel: "CLOCKS", timestamp: ts!, name: ":eyes:" }))).toBe(
      "invalid_name",
    );
  });
});

describe("pins", () => {
  it("are unique per message; pins.list says who pinned and when", async () => {
    const { ts } = await web.chat.postMessage({ channel: "CLOCKS", text: "lease" });
    const two = client(slack, "xoxb-two");
    const before = Math.floor(Date.now() / 1000);
    // Both bots race for the same message: exactly one wins.
    const results = await Promise.allSettled([
      web.pins.add({ channel: "CLOCKS", timestamp: ts! }),
      two.pins.add({ channel: "CLOCKS", timestamp: ts! }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((lost.reason as WebAPIPlatformError).data.error).toBe("already_pinned");

    const list = await two.pins.list({ channel: "CLOCKS" });
    expect(list.items).toHaveLength(1);
    const item = list.items![0]!;
    expect(item.type).toBe("message");
    expect(item.created_by).toBe(slack.pins("CLOCKS")[0]!.created_by);
    expect(["UBOT1", "UBOT2"]).toContain(item.created_by);
    expect(item.created).toBeGreaterThanOrEqual(before);
    expect(item.message?.ts).toBe(ts);
    expect(item.message?.pinned_to).toEqual(["CLOCKS"]);

    await two.pins.remove({ channel: "CLOCKS", timestamp: ts! });
    expect(await slackError(web.pins.remove({ channel: "CLOCKS", timestamp: ts! }))).toBe("no_pin");
    expect(slack.pins("CLOCKS")).toEqual([]);
    expect(await slackError(web.pins.add({ channel: "CLOCKS", timestamp: "1.000001" }))).toBe(
      "message_not_found",
    );
  });

  it("lists newest pin first", async () => {
    const a = await web.chat.postMessage({ channel: "CLOCKS", text: "a" });
    const b = await web.chat.postMessage({ channel: "CLOCKS", text: "b" });
    await web.pins.add({ channel: "CLOCKS", timestamp: a.ts! });
    await client(slack, "xoxb-two").pins.add({ channel: "CLOCKS", timestamp: b.ts! });
    const list = await web.pins.list({ channel: "CLOCKS" });
    expect(list.items?.map((i) => [i.message?.text, i.created_by])).toEqual([
      ["b", "UBOT2"],
      ["a", "UBOT1"],
    ]);
  });
});

describe("emoji and users", () => {
  it("emoji.list returns the custom emoji", async () => {
    const res = await web.emoji.list();
    expect(res.emoji).toEqual({
      partyparrot: "https://emoji.example/partyparrot.gif",
      parrot: "alias:partyparrot",
    });
  });

  it("users.info returns users and bots, user_not_found otherwise", async () => {
    const alice = await web.users.info({ user: "UALICE" });
    expect(alice.user).toMatchObject({
      id: "UALICE",
      name: "alice",
      real_name: "Alice Example",
      is_bot: false,
    });
    const bot = await web.users.info({ user: "UBOT2" });
    expect(bot.user).toMatchObject({ is_bot: true, profile: { bot_id: "BBOT2" } });
    expect(await slackError(web.users.info({ user: "UNOPE" }))).toBe("user_not_found");
  });
});

describe("rate limits", () => {
  it("rateLimitNext answers 429 with Retry-After, then lets calls through", async () => {
    slack.rateLimitNext(1, { method: "chat.postMessage", retryAfter: 7 });
    const raw = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: { authorization: "Bearer xoxb-one", "content-type": "application/x-www-form-urlencoded" },
      body: "channel=CGENERAL&text=hi",
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after")).toBe("7");
    expect(await raw.json()).toEqual({ ok: false, error: "ratelimited" });
    await web.chat.postMessage({ channel: "CGENERAL", text: "now fine" });
    expect(slack.callsTo("chat.postMessage").map((c) => c.status)).toEqual([429, 200]);
  });

  it("a WebClient that rejects rate-limited calls gets retryAfter", async () => {
    slack.rateLimitNext(1, { retryAfter: 3 });
    const strict = client(slack, "xoxb-one", { rejectRateLimitedCalls: true });
    const err = (await strict.auth.test().catch((e: unknown) => e)) as WebAPIRateLimitedError;
    expect(err.code).toBe(ErrorCode.RateLimitedError);
    expect(err.retryAfter).toBe(3);
  });

  it("a default WebClient waits Retry-After and retries", async () => {
    slack.rateLimitNext(1, { retryAfter: 1 });
    const patient = new WebClient("xoxb-one", {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 2, minTimeout: 10 },
      logLevel: LogLevel.ERROR,
    });
    const started = Date.now();
    const res = await patient.auth.test();
    expect(res.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("enforces per-minute limits globally and per method", async () => {
    slack.setRateLimit({ perMinute: 3, methods: { "chat.postMessage": { perMinute: 1 } } });
    await web.chat.postMessage({ channel: "CGENERAL", text: "1" });
    const strict = client(slack, "xoxb-one", { rejectRateLimitedCalls: true });
    const limited = (await strict.chat
      .postMessage({ channel: "CGENERAL", text: "2" })
      .catch((e: unknown) => e)) as WebAPIRateLimitedError;
    expect(limited.code).toBe(ErrorCode.RateLimitedError);
    expect(limited.retryAfter).toBeGreaterThanOrEqual(1);
    expect(limited.retryAfter).toBeLessThanOrEqual(60);
    await strict.auth.test();
    await strict.auth.test();
    // 3 calls counted (the limited one is not): the global budget is spent.
    const global = (await strict.auth.test().catch((e: unknown) => e)) as WebAPIRateLimitedError;
    expect(global.code).toBe(ErrorCode.RateLimitedError);
  });
});

describe("inspection and failure injection", () => {
  it("records calls without the token and injects errors", async () => {
    slack.failNext("chat.postMessage", "fatal_error");
    expect(await slackError(web.chat.postMessage({ channel: "CGENERAL", text: "x" }))).toBe("fatal_error");
    await web.chat.postMessage({ channel: "CGENERAL", text: "y" });
    const calls = slack.callsTo("chat.postMessage");
    expect(calls.map((c) => [c.ok, c.error, c.user])).toEqual([
      [false, "fatal_error", "UBOT1"],
      [true, undefined, "UBOT1"],
    ]);
    expect(calls[1]!.args).toMatchObject({ channel: "CGENERAL", text: "y" });
    expect(JSON.stringify(slack.calls)).not.toContain("xoxb-one");
  });

  it("seeds messages and threads", async () => {
    const parent = slack.addMessage("CGENERAL", {
      user: "UALICE",
      text: "question",
      ts: "1700000000.000100",
    });
    slack.addMessage("CGENERAL", { user: "UALICE", text: "detail", thread_ts: parent.ts });
    const replies = await web.conversations.replies({ channel: "CGENERAL", ts: parent.ts });
    expect(replies.messages?.map((m) => [m.user, m.text])).toEqual([
      ["UALICE", "question"],
      ["UALICE", "detail"],
    ]);
    // Generated ts come after seeded ones.
    const posted = await web.chat.postMessage({ channel: "CGENERAL", text: "later" });
    expect(Number(posted.ts)).toBeGreaterThan(1700000000.0001);
  });

  it("lets a bot join a public channel it is not in", async () => {
    expect(await slackError(web.chat.postMessage({ channel: "COTHER", text: "x" }))).toBe("not_in_channel");
    await web.conversations.join({ channel: "COTHER" });
    await web.chat.postMessage({ channel: "COTHER", text: "x" });
    expect(slack.messages("COTHER")).toHaveLength(1);
  });
});
