import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { decodeOffset, encodeOffset } from "../directory/directory.js";
import { projectMessage } from "../project.js";
import { failed, ok, slackCall, slackErrorOf } from "../results.js";
import { clientOf, type RegisterTool, type ToolDeps } from "./deps.js";
import { messageOut, nextCursorOut, outcome } from "./outputs.js";
import { cursorArg, tsArg } from "./schemas.js";

/** A scan of unreads stops here and returns a cursor: an agent should not wait minutes on pacing. */
const UNREADS_BUDGET_MS = 10_000;

type Obj = Record<string, unknown>;

function projectMatch(match: Obj): Obj {
  const channel = (match.channel ?? {}) as Obj;
  const out: Obj = {
    channel: channel.id,
    channel_name: channel.name,
    user: match.user,
    username: match.username,
    ts: match.ts,
    text: match.text,
    permalink: match.permalink,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

/** The conversations the user is in, up to 1000, in Slack's order (a stable order for offset cursors). */
async function memberships(user: WebClient, types: string): Promise<Obj[]> {
  const channels: Obj[] = [];
  let cursor: string | undefined;
  do {
    const res = await user.users.conversations({ types, exclude_archived: true, limit: 200, cursor });
    channels.push(...((res.channels ?? []) as Obj[]));
    cursor = res.response_metadata?.next_cursor || undefined;
  } while (cursor && channels.length < 1000);
  return channels;
}

export function registerSearchTools(register: RegisterTool, deps: ToolDeps): void {
  register(
    "slack_search_messages",
    {
      title: "Search Slack messages",
      description:
        "Search messages the user token can see (Slack's search syntax: words, in:#channel, from:@user, " +
        "before:/after:YYYY-MM-DD). Needs SLACK_USER_TOKEN with search:read.",
      inputSchema: {
        query: z.string().min(1).describe('e.g. "deploy failed in:#ops from:@alice"'),
        sort: z.enum(["score", "timestamp"]).optional().describe("Default score (best match first)."),
        sort_dir: z.enum(["desc", "asc"]).optional().describe("Default desc."),
        count: z
          .number()
          .int()
          .min(1)
          .max(100)
          .optional()
          .describe("Results per page (default 20, at most 100)."),
        cursor: cursorArg,
      },
      outputSchema: outcome({
        query: z.string(),
        total: z.number(),
        matches: z.array(
          z.looseObject({
            channel: z.string().optional(),
            ts: z.string().optional(),
            text: z.string().optional(),
          }),
        ),
        next_cursor: nextCursorOut,
      }),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ query, sort, sort_dir, count, cursor }) =>
      slackCall("search.messages", async () => {
        const res = await clientOf(deps.user).search.messages({
          query,
          sort,
          sort_dir,
          count: count ?? 20,
          cursor: cursor ?? "*",
        });
        return ok({
          query,
          total: res.messages?.total ?? 0,
          matches: (res.messages?.matches ?? []).map((m) => projectMatch(m as Obj)),
          next_cursor: res.response_metadata?.next_cursor || null,
        });
      }),
  );

  register(
    "slack_list_unreads",
    {
      title: "Unread Slack messages",
      description:
        "Conversations with unread messages for the user token (after its last_read), or with messages since " +
        "`since`, with their newest messages. Each conversation costs a paced call or two (Slack has no bulk " +
        "unread API), so a long scan stops after about 10 s with complete: false and a cursor to go on.",
      inputSchema: {
        since: tsArg("Instead of the user's read state: messages after this ts.").optional(),
        types: z
          .string()
          .optional()
          .describe("Comma list of public_channel, private_channel, mpim, im (default all four)."),
        channels: z
          .array(z.string().min(1))
          .max(100)
          .optional()
          .describe("Only these conversation ids (faster than a scan of every membership)."),
        max_channels: z.number().int().min(1).max(100).optional().describe("Default 20."),
        messages_per_channel: z
          .number()
          .int()
          .min(1)
          .max(50)
          .optional()
          .describe("Default 5 (newest first)."),
        cursor: cursorArg,
      },
      outputSchema: outcome({
        mode: z.enum(["last_read", "since"]),
        channels: z.array(
          z.looseObject({
            id: z.string(),
            name: z.string().optional(),
            unread_count: z.number(),
            last_read: z.string().optional(),
            messages: z.array(messageOut),
          }),
        ),
        scanned: z.number(),
        complete: z.boolean(),
        next_cursor: nextCursorOut,
      }),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ since, types, channels, max_channels, messages_per_channel, cursor }) => {
      const start = decodeOffset(cursor);
      if (start === null) return failed("invalid_cursor", "cursor is not one this tool returned.");
      const user = clientOf(deps.user);
      return slackCall("users.conversations", async () => {
        const list = channels
          ? channels.map((id) => ({ id }) as Obj)
          : await memberships(user, types ?? "public_channel,private_channel,mpim,im");
        const deadline = Date.now() + UNREADS_BUDGET_MS;
        const found: Obj[] = [];
        let index = start;
        let stopped: Obj | null = null;
        for (; index < list.length && found.length < (max_channels ?? 20); index++) {
          if (Date.now() > deadline) break;
          const id = String(list[index]!.id);
          try {
            const unread = await unreadsOf(user, id, since, messages_per_channel ?? 5);
            if (unread) found.push({ id, name: list[index]!.name, ...unread });
          } catch (err) {
            const info = slackErrorOf(err);
            if (info.error !== "ratelimited") throw err;
            stopped = { retry_after: info.retry_after };
            break;
          }
        }
        const complete = index >= list.length;
        return ok({
          mode: since ? "since" : "last_read",
          channels: found,
          scanned: index - start,
          complete,
          next_cursor: complete ? null : encodeOffset(index),
          ...(stopped ? { retry_after: stopped.retry_after } : {}),
        });
      });
    },
  );
}

async function unreadsOf(
  user: WebClient,
  channel: string,
  since: string | undefined,
  limit: number,
): Promise<Obj | null> {
  let oldest = since;
  let count: number | undefined;
  if (oldest === undefined) {
    const info = (await user.conversations.info({ channel })).channel as Obj | undefined;
    count = Number(info?.unread_count_display ?? info?.unread_count ?? 0);
    if (count === 0) return null;
    oldest = typeof info?.last_read === "string" ? info.last_read : "0";
  }
  const history = await user.conversations.history({ channel, oldest, limit });
  const messages = (history.messages ?? []).map(projectMessage);
  if (messages.length === 0) return null;
  return {
    unread_count: count ?? messages.length,
    ...(since === undefined ? { last_read: oldest } : {}),
    messages,
  };
}
