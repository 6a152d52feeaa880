import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { projectChannel, projectUser } from "../project.js";
import { ok, slackCall } from "../results.js";
import type { ToolDeps } from "./deps.js";
import { cursorArg, limitArg } from "./schemas.js";

const CHANNEL_TYPES = ["public_channel", "private_channel", "mpim", "im"] as const;

export function registerDirectoryTools(server: McpServer, { slack }: ToolDeps): void {
  server.registerTool(
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
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ types, limit, cursor }) =>
      slackCall("conversations.list", async () => {
        const res = await slack.conversations.list({
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

  server.registerTool(
    "slack_get_user",
    {
      title: "Look up a Slack user",
      description: "A user's name, real name, display name, time zone and whether it is a bot.",
      inputSchema: { user: z.string().min(1).describe("User id (U… or W…).") },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ user }) =>
      slackCall("users.info", async () => {
        const res = await slack.users.info({ user });
        return ok({ user: projectUser(res.user) });
      }),
  );
}
