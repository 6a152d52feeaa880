import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { ok, slackCall } from "../results.js";
import { clientOf, type RegisterTool, type ToolDeps } from "./deps.js";
import { agentMetadata, blocksArg, parseBlocks } from "./messages.js";
import { outcome } from "./outputs.js";
import { channelArg, tsArg } from "./schemas.js";

const userIdArg = z
  .string()
  .regex(/^[UW][A-Z0-9]+$/, "a user id like U0123ABCD")
  .describe("User id (U… or W…).");

/** The bot's own messages after they are posted: edit, delete, link, whisper, DM. */
export function registerEditTools(register: RegisterTool, deps: ToolDeps): void {
  const { policy } = deps;
  register(
    "slack_update_message",
    {
      title: "Edit a Slack message",
      description:
        "Replace the text (and blocks) of a message the bot posted. Other people's messages answer cant_update_message.",
      inputSchema: {
        channel: channelArg,
        ts: tsArg("The message's ts."),
        text: z.string().min(1).describe("The new text (Slack mrkdwn)."),
        blocks: blocksArg,
      },
      outputSchema: outcome({ channel: z.string(), ts: z.string(), text: z.string() }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    async ({ channel, ts, text, blocks }) => {
      const denied = policy.check(channel);
      if (denied) return denied;
      const parsed = parseBlocks(blocks);
      if ("isError" in parsed) return parsed as CallToolResult;
      return slackCall("chat.update", async () => {
        const res = await clientOf(deps.bot).chat.update({
          channel,
          ts,
          text,
          ...parsed,
          metadata: agentMetadata("slack_update_message"),
        });
        return ok({ ok: true, channel: res.channel ?? channel, ts: res.ts ?? ts, text: res.text ?? text });
      });
    },
  );

  register(
    "slack_delete_message",
    {
      title: "Delete a Slack message",
      description: "Delete a message the bot posted. Other people's messages answer cant_delete_message.",
      inputSchema: { channel: channelArg, ts: tsArg("The message's ts.") },
      outputSchema: outcome({ channel: z.string(), ts: z.string() }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    async ({ channel, ts }) => {
      const denied = policy.check(channel);
      if (denied) return denied;
      return slackCall("chat.delete", async () => {
        await clientOf(deps.bot).chat.delete({ channel, ts });
        return ok({ ok: true, channel, ts });
      });
    },
  );

  register(
    "slack_get_permalink",
    {
      title: "Link to a Slack message",
      description: "A permanent link to a message (or a thread reply), to cite it elsewhere.",
      inputSchema: { channel: channelArg, ts: tsArg("The message's ts.") },
      outputSchema: outcome({ channel: z.string(), ts: z.string(), permalink: z.string() }),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ channel, ts }) =>
      slackCall("chat.getPermalink", async () => {
        const res = await clientOf(deps.bot).chat.getPermalink({ channel, message_ts: ts });
        return ok({ channel, ts, permalink: res.permalink ?? "" });
      }),
  );

  register(
    "slack_post_ephemeral",
    {
      title: "Whisper to one Slack user",
      description:
        "Post a message only `user` sees, in a channel both are in (not stored in history, cannot be edited).",
      inputSchema: {
        channel: channelArg,
        user: userIdArg,
        text: z.string().min(1).describe("Message text (Slack mrkdwn)."),
        thread_ts: tsArg("Show it in this thread.").optional(),
        blocks: blocksArg,
      },
      outputSchema: outcome({ channel: z.string(), user: z.string(), message_ts: z.string() }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    async ({ channel, user, text, thread_ts, blocks }) => {
      const denied = policy.check(channel);
      if (denied) return denied;
      const parsed = parseBlocks(blocks);
      if ("isError" in parsed) return parsed as CallToolResult;
      return slackCall("chat.postEphemeral", async () => {
        const res = await clientOf(deps.bot).chat.postEphemeral({
          channel,
          user,
          text,
          thread_ts,
          ...parsed,
        });
        return ok({ ok: true, channel, user, message_ts: res.message_ts ?? "" });
      });
    },
  );

  register(
    "slack_open_dm",
    {
      title: "Direct-message Slack users",
      description:
        "Open the DM with one user (or a group DM with up to 8) and, with text, post into it. Returns the " +
        "conversation id for later posts. With SLACKLINE_MCP_WRITE_CHANNELS set, the DM's id or every user id must be listed.",
      inputSchema: {
        users: z.array(userIdArg).min(1).max(8).describe("The users to message."),
        text: z.string().min(1).optional().describe("A first message to post (Slack mrkdwn)."),
      },
      outputSchema: outcome({ channel: z.string(), already_open: z.boolean(), ts: z.string() }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    async ({ users, text }) => {
      const bot = clientOf(deps.bot);
      // The DM's id is unknown until it is open: check the users first, then the id Slack gives.
      const early = policy.check(users.join(","), users);
      return slackCall("conversations.open", async () => {
        const opened = await bot.conversations.open({ users: users.join(",") });
        const channel = opened.channel?.id ?? "";
        if (early && policy.check(channel)) return early;
        const result: Record<string, unknown> = {
          ok: true,
          channel,
          already_open: opened.already_open === true,
        };
        if (text === undefined) return ok(result);
        return slackCall("chat.postMessage", async () => {
          const posted = await bot.chat.postMessage({
            channel,
            text,
            metadata: agentMetadata("slack_open_dm"),
          });
          return ok({ ...result, ts: posted.ts });
        });
      });
    },
  );
}
