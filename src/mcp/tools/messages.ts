import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { AGENT_EVENT_TYPE } from "../config.js";
import { projectMessage } from "../project.js";
import { failed, ok, slackCall, slackFailure } from "../results.js";
import { clientOf, type RegisterTool, type ToolDeps } from "./deps.js";
import { messageOut, nextCursorOut, outcome } from "./outputs.js";
import { channelArg, cursorArg, limitArg, tsArg } from "./schemas.js";

/** Slack metadata on every message an agent posts, so the inbox can skip the agent's own messages. */
export const agentMetadata = (tool: string) => ({
  event_type: AGENT_EVENT_TYPE,
  event_payload: { tool },
});

export const blocksArg = z
  .union([z.array(z.record(z.string(), z.unknown())), z.string()])
  .optional()
  .describe(
    "Block Kit blocks: an array, or the same as a JSON string. `text` stays the notification fallback.",
  );

/** Blocks as Slack wants them, or an isError result when a JSON string does not parse to an array. */
export function parseBlocks(blocks: unknown): { blocks?: Record<string, unknown>[] } | CallToolResult {
  if (blocks === undefined) return {};
  if (typeof blocks !== "string") return { blocks: blocks as Record<string, unknown>[] };
  try {
    const parsed: unknown = JSON.parse(blocks);
    if (Array.isArray(parsed)) return { blocks: parsed as Record<string, unknown>[] };
  } catch {
    // fall through
  }
  return failed("invalid_blocks_format", "blocks must be a JSON array of Block Kit blocks.");
}

const historyOut = {
  channel: z.string(),
  messages: z.array(messageOut),
  has_more: z.boolean(),
  next_cursor: nextCursorOut,
};

export function registerMessageTools(register: RegisterTool, deps: ToolDeps): void {
  const { policy } = deps;
  register(
    "slack_post_message",
    {
      title: "Post a Slack message",
      description:
        "Post a message to a channel, or into a thread with thread_ts. Returns the new message's ts.",
      inputSchema: {
        channel: channelArg,
        text: z.string().min(1).describe("Message text (Slack mrkdwn)."),
        thread_ts: tsArg("Reply in this thread: the parent message's ts.").optional(),
        blocks: blocksArg,
      },
      outputSchema: outcome({ channel: z.string(), ts: z.string(), thread_ts: z.string() }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    async ({ channel, text, thread_ts, blocks }) => {
      const denied = policy.check(channel);
      if (denied) return denied;
      const parsed = parseBlocks(blocks);
      if ("isError" in parsed) return parsed as CallToolResult;
      return slackCall("chat.postMessage", async () => {
        const res = await clientOf(deps.bot).chat.postMessage({
          channel,
          text,
          thread_ts,
          ...parsed,
          metadata: agentMetadata("slack_post_message"),
        });
        return ok({
          ok: true,
          channel: res.channel,
          ts: res.ts,
          ...(thread_ts ? { thread_ts: res.message?.thread_ts ?? thread_ts } : {}),
        });
      });
    },
  );

  register(
    "slack_thread_reply",
    {
      title: "Reply in a Slack thread",
      description: "Post one or more replies, in order, into the thread of the message thread_ts.",
      inputSchema: {
        channel: channelArg,
        thread_ts: tsArg("The thread's parent message ts."),
        texts: z.array(z.string().min(1)).min(1).max(20).describe("Reply texts, posted in this order."),
      },
      outputSchema: outcome({
        channel: z.string(),
        thread_ts: z.string(),
        replies: z.array(z.object({ ts: z.string(), text: z.string() })),
        posted: z
          .array(z.object({ ts: z.string(), text: z.string() }))
          .describe("on failure: already posted"),
        not_posted: z.array(z.string()).describe("on failure: the texts not posted"),
      }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    async ({ channel, thread_ts, texts }) => {
      const denied = policy.check(channel);
      if (denied) return denied;
      const replies: { ts: string; text: string }[] = [];
      for (const text of texts) {
        try {
          const res = await clientOf(deps.bot).chat.postMessage({
            channel,
            thread_ts,
            text,
            metadata: agentMetadata("slack_thread_reply"),
          });
          replies.push({ ts: res.ts ?? "", text });
        } catch (err) {
          // Say what was already posted, so the agent does not post it twice.
          return slackFailure("chat.postMessage", err, {
            posted: replies,
            not_posted: texts.slice(replies.length),
          });
        }
      }
      return ok({ ok: true, channel, thread_ts, replies });
    },
  );

  register(
    "slack_read_channel_messages",
    {
      title: "Read a Slack channel",
      description:
        "Read a channel's messages, newest first (thread replies excluded; read them with slack_read_thread_messages).",
      inputSchema: {
        channel: channelArg,
        limit: limitArg(20, 200),
        oldest: tsArg("Only messages after this ts.").optional(),
        latest: tsArg("Only messages before this ts.").optional(),
        cursor: cursorArg,
      },
      outputSchema: outcome(historyOut),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ channel, limit, oldest, latest, cursor }) =>
      slackCall("conversations.history", async () => {
        const res = await clientOf(deps.bot).conversations.history({
          channel,
          limit: limit ?? 20,
          oldest,
          latest,
          cursor,
        });
        return ok({
          channel,
          messages: (res.messages ?? []).map(projectMessage),
          has_more: res.has_more ?? false,
          next_cursor: res.response_metadata?.next_cursor || null,
        });
      }),
  );

  register(
    "slack_read_thread_messages",
    {
      title: "Read a Slack thread",
      description: "Read a thread: the parent message first, then the replies, oldest first.",
      inputSchema: {
        channel: channelArg,
        thread_ts: tsArg("The thread's parent message ts."),
        limit: limitArg(50, 200),
        cursor: cursorArg,
      },
      outputSchema: outcome({ ...historyOut, thread_ts: z.string() }),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ channel, thread_ts, limit, cursor }) =>
      slackCall("conversations.replies", async () => {
        const res = await clientOf(deps.bot).conversations.replies({
          channel,
          ts: thread_ts,
          limit: limit ?? 50,
          cursor,
        });
        return ok({
          channel,
          thread_ts,
          messages: (res.messages ?? []).map(projectMessage),
          has_more: res.has_more ?? false,
          next_cursor: res.response_metadata?.next_cursor || null,
        });
      }),
  );
}
