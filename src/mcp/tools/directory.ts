import { z } from "zod";
import { decodeOffset, encodeOffset, userMatches } from "../directory/directory.js";
import { projectChannel, projectUser } from "../project.js";
import { failed, ok, slackCall } from "../results.js";
import { clientOf, type RegisterTool, type ToolDeps } from "./deps.js";
import { channelOut, nextCursorOut, outcome, userOut } from "./outputs.js";
import { cursorArg, limitArg } from "./schemas.js";

const CHANNEL_TYPES = ["public_channel", "private_channel", "mpim", "im"] as const;

/** How long a search waits for a directory's first load before answering with what has loaded. */
const DIRECTORY_WAIT_MS = 5000;

export function registerDirectoryTools(register: RegisterTool, deps: ToolDeps): void {
  register(
    "slack_list_channels",
    {
      title: "List Slack channels",
      description: "List conversations the bot can see, with their ids (public channels by default).",
      inputSchema: {
        types: z
          .union([z.array(z.enum(CHANNEL_TYPES)), z.string()])
          .optional()
          .describe(
            "Conversation types: an array or comma list of public_channel, private_channel, mpim, im.",
          ),
        limit: limitArg(100, 1000),
        cursor: cursorArg,
      },
      outputSchema: outcome({ channels: z.array(channelOut), next_cursor: nextCursorOut }),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ types, limit, cursor }) =>
      slackCall("conversations.list", async () => {
        const res = await clientOf(deps.bot).conversations.list({
          types: Array.isArray(types) ? types.join(",") : types,
          limit: limit ?? 100,
          cursor,
          exclude_archived: true,
        });
        return ok({
          channels: (res.channels ?? []).map(projectChannel),
          next_cursor: res.response_metadata?.next_cursor || null,
        });
      }),
  );

  register(
    "slack_get_user",
    {
      title: "Look up a Slack user",
      description: "A user's name, real name, display name, time zone and whether it is a bot.",
      inputSchema: { user: z.string().min(1).describe("User id (U… or W…).") },
      outputSchema: outcome({ user: userOut }),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ user }) =>
      slackCall("users.info", async () => {
        const res = await clientOf(deps.bot).users.info({ user });
        return ok({ user: projectUser(res.user) });
      }),
  );

  register(
    "slack_search_users",
    {
      title: "Find Slack users",
      description:
        "Find users by name, real name, display name or email (case-insensitive substring). The directory is " +
        "loaded from users.list on first use and reused; in a large workspace the first call may answer with " +
        "complete: false (what has loaded so far): call again shortly.",
      inputSchema: {
        query: z.string().min(1).describe('Part of a name or email, e.g. "alice" or "@example.com".'),
        include_bots: z.boolean().optional().describe("Include bot users (default false)."),
        include_deleted: z.boolean().optional().describe("Include deactivated users (default false)."),
        limit: limitArg(20, 100),
        cursor: cursorArg,
      },
      outputSchema: outcome({
        users: z.array(userOut),
        next_cursor: nextCursorOut,
        complete: z.boolean().describe("false while the directory is still loading"),
        loaded: z.number().describe("users in the directory so far"),
      }),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ query, include_bots, include_deleted, limit, cursor }) => {
      const offset = decodeOffset(cursor);
      if (offset === null) return failed("invalid_cursor", "cursor is not one this tool returned.");
      return slackCall("users.list", async () => {
        const snapshot = await deps.directory!.users.get(DIRECTORY_WAIT_MS);
        const hits = snapshot.items.filter(
          (u) => (include_bots || !u.is_bot) && (include_deleted || !u.deleted) && userMatches(u, query),
        );
        const size = limit ?? 20;
        const page = hits.slice(offset, offset + size);
        return ok({
          users: page,
          next_cursor: offset + size < hits.length ? encodeOffset(offset + size) : null,
          complete: snapshot.complete,
          loaded: snapshot.items.length,
        });
      });
    },
  );

  register(
    "slack_list_usergroups",
    {
      title: "List Slack user groups",
      description: "The workspace's user groups (@handles): id, handle, name, description, member count.",
      inputSchema: {
        include_disabled: z.boolean().optional().describe("Include disabled groups (default false)."),
      },
      outputSchema: outcome({
        usergroups: z.array(
          z.looseObject({ id: z.string(), handle: z.string().optional(), name: z.string().optional() }),
        ),
      }),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ include_disabled }) =>
      slackCall("usergroups.list", async () => {
        const res = await clientOf(deps.bot).usergroups.list({
          include_disabled: include_disabled ?? false,
          include_count: true,
        });
        return ok({
          usergroups: (res.usergroups ?? []).map((g) => ({
            id: g.id,
            handle: g.handle,
            name: g.name,
            description: g.description || undefined,
            user_count: g.user_count,
            disabled: (g.date_delete ?? 0) > 0,
          })),
        });
      }),
  );

  register(
    "slack_get_usergroup_members",
    {
      title: "Members of a Slack user group",
      description:
        "The members of a user group: their ids, with names from the user directory when it has loaded them.",
      inputSchema: {
        usergroup: z.string().min(1).describe("The group id (S…), from slack_list_usergroups."),
      },
      outputSchema: outcome({ usergroup: z.string(), users: z.array(userOut), count: z.number() }),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ usergroup }) =>
      slackCall("usergroups.users.list", async () => {
        const res = await clientOf(deps.bot).usergroups.users.list({ usergroup });
        const ids = res.users ?? [];
        const snapshot = await deps.directory!.users.get(DIRECTORY_WAIT_MS).catch(() => null);
        const byId = new Map((snapshot?.items ?? []).map((u) => [u.id, u]));
        const users = ids.map((id) => byId.get(id) ?? { id });
        return ok({ usergroup, users, count: users.length });
      }),
  );
}
