import type { WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeSlack } from "../../../src/testing/index.js";
import { client, slackFailure } from "./helpers.js";

let slack: FakeSlack;
let bot: WebClient;

beforeEach(async () => {
  slack = await FakeSlack.start({
    bots: [{ token: "xoxb-one", user_id: "UBOT" }],
    userTokens: [{ token: "xoxp-alice", user_id: "UALICE" }],
    seed: {
      users: [
        { id: "UALICE", name: "alice" },
        { id: "UBOB", name: "bob" },
        { id: "UCAROL", name: "carol" },
      ],
      channels: [
        { id: "CGENERAL", name: "general" },
        { id: "CTEAM", name: "team", members: ["UBOT", "UALICE"] },
      ],
    },
  });
  bot = client(slack, "xoxb-one");
});

afterEach(async () => {
  await slack.close();
});

describe("chat: permalinks, ephemerals, edits", () => {
  it("gives permalinks for messages and replies", async () => {
    const parent = slack.addMessage("CGENERAL", { user: "UALICE", text: "q", ts: "1700000000.000100" });
    const reply = slack.addMessage("CGENERAL", { user: "UBOB", text: "a", thread_ts: parent.ts });
    const top = await bot.chat.getPermalink({ channel: "CGENERAL", message_ts: parent.ts });
    expect(top.permalink).toBe("https://fake-workspace.slack.com/archives/CGENERAL/p1700000000000100");
    const inThread = await bot.chat.getPermalink({ channel: "CGENERAL", message_ts: reply.ts });
    expect(inThread.permalink).toContain(`?thread_ts=${parent.ts}&cid=CGENERAL`);
    expect(
      await slackFailure(bot.chat.getPermalink({ channel: "CGENERAL", message_ts: "1.000001" })),
    ).toMatchObject({
      error: "message_not_found",
    });
  });

  it("posts ephemeral messages only to members, never into history", async () => {
    const res = await bot.chat.postEphemeral({ channel: "CTEAM", user: "UALICE", text: "only you" });
    expect(res.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(slack.ephemerals("CTEAM")).toMatchObject([{ user: "UALICE", text: "only you", from: "UBOT" }]);
    expect(slack.messages("CTEAM")).toEqual([]);
    expect(
      await slackFailure(bot.chat.postEphemeral({ channel: "CTEAM", user: "UBOB", text: "x" })),
    ).toMatchObject({ error: "user_not_in_channel" });
  });

  it("updates and deletes only the caller's own messages", async () => {
    const mine = await bot.chat.postMessage({ channel: "CGENERAL", text: "v1" });
    const updated = await bot.chat.update({ channel: "CGENERAL", ts: mine.ts!, text: "v2" });
    expect(updated.text).toBe("v2");
    expect(slack.message("CGENERAL", mine.ts!)?.edited).toBeDefined();
    const theirs = slack.addMessage("CGENERAL", { user: "UALICE", text: "hers" });
    expect(
      await slackFailure(bot.chat.update({ channel: "CGENERAL", ts: theirs.ts, text: "x" })),
    ).toMatchObject({
      error: "cant_update_message",
    });
    expect(await slackFailure(bot.chat.delete({ channel: "CGENERAL", ts: theirs.ts }))).toMatchObject({
      error: "cant_delete_message",
    });
    await bot.chat.delete({ channel: "CGENERAL", ts: mine.ts! });
    expect(await slackFailure(bot.chat.delete({ channel: "CGENERAL", ts: mine.ts! }))).toMatchObject({
      error: "message_not_found",
    });
  });
});

describe("conversations.open and read state", () => {
  it("opens one IM per user (again: already_open) and an MPIM for several", async () => {
    const first = await bot.conversations.open({ users: "UBOB" });
    expect(first.channel?.id).toMatch(/^D/);
    const again = await bot.conversations.open({ users: "UBOB" });
    expect(again).toMatchObject({ already_open: true, channel: { id: first.channel?.id } });
    await bot.chat.postMessage({ channel: first.channel!.id!, text: "hi bob" });
    expect(slack.messages(first.channel!.id!).map((m) => m.text)).toEqual(["hi bob"]);
    const group = await bot.conversations.open({ users: "UBOB,UCAROL", return_im: true });
    expect(group.channel).toMatchObject({ is_mpim: true });
    expect(await slackFailure(bot.conversations.open({ users: "UNOPE" }))).toMatchObject({
      error: "user_not_found",
    });
    expect(await slackFailure(bot.apiCall("conversations.open", {}))).toMatchObject({
      error: "users_list_not_supplied",
    });
  });

  it("reports last_read and unread counts to user tokens; users.conversations lists memberships", async () => {
    const alice = client(slack, "xoxp-alice");
    const old = slack.addMessage("CTEAM", { user: "UBOB", text: "old" });
    slack.markRead("CTEAM", "UALICE", old.ts);
    slack.addMessage("CTEAM", { user: "UBOB", text: "new 1" });
    slack.addMessage("CTEAM", { user: "UALICE", text: "her own" });
    slack.addMessage("CTEAM", { user: "UBOB", text: "new 2" });
    const info = await alice.conversations.info({ channel: "CTEAM" });
    expect(info.channel).toMatchObject({ last_read: old.ts, unread_count: 2, unread_count_display: 2 });
    // A bot token gets no read state.
    expect((await bot.conversations.info({ channel: "CTEAM" })).channel?.last_read).toBeUndefined();
    const mine = await alice.users.conversations({ types: "public_channel" });
    expect(mine.channels?.map((c) => c.id)).toEqual(["CGENERAL", "CTEAM"]);
    await alice.conversations.mark({ channel: "CTEAM", ts: slack.messages("CTEAM").at(-1)!.ts });
    expect(
      ((await alice.conversations.info({ channel: "CTEAM" })).channel as { unread_count?: number })
        .unread_count,
    ).toBe(0);
  });
});

describe("files", () => {
  it("uploads through files.uploadV2 (getUploadURLExternal, the upload URL, completeUploadExternal)", async () => {
    const res = await bot.files.uploadV2({
      channel_id: "CTEAM",
      filename: "notes.txt",
      content: "line one\nline two\n",
      title: "Notes",
      initial_comment: "here you go",
    });
    expect(res.ok).toBe(true);
    const shared = slack.messages("CTEAM").at(-1)!;
    expect(shared.text).toBe("here you go");
    const files = shared.files as { id: string; title: string; mimetype: string; url_private: string }[];
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ title: "Notes", mimetype: "text/plain" });
    expect(slack.file(files[0]!.id)?.content?.toString()).toBe("line one\nline two\n");

    const info = await bot.files.info({ file: files[0]!.id });
    const url = (info.file as { url_private: string }).url_private;
    const download = await fetch(url, { headers: { authorization: "Bearer xoxb-one" } });
    expect(download.headers.get("content-type")).toBe("text/plain");
    expect(await download.text()).toBe("line one\nline two\n");
    // Without a token: Slack's sign-in page, status 200.
    const anonymous = await fetch(url);
    expect(anonymous.headers.get("content-type")).toContain("text/html");
  });

  it("hides files from tokens that cannot see them, and refuses an upload never sent", async () => {
    const file = slack.addFile("CTEAM", { name: "plan.md", content: "# plan" });
    slack.addBot({ token: "xoxb-outsider", user_id: "UOUT" });
    slack.addChannel({ id: "CPRIV", name: "priv", is_private: true, members: ["UBOT"] });
    const secret = slack.addFile("CPRIV", { name: "s.txt", content: "s" });
    const out = client(slack, "xoxb-outsider");
    expect((await out.files.info({ file: file.id })).file?.name).toBe("plan.md");
    expect(await slackFailure(out.files.info({ file: secret.id }))).toMatchObject({
      error: "file_not_found",
    });
    const reserved = await bot.files.getUploadURLExternal({ filename: "x.txt", length: 3 });
    expect(
      await slackFailure(bot.files.completeUploadExternal({ files: [{ id: reserved.file_id! }] })),
    ).toMatchObject({ error: "file_upload_not_complete" });
  });
});
