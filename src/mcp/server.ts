import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolDeps } from "./tools/deps.js";
import { registerDirectoryTools } from "./tools/directory.js";
import { registerEventTools } from "./tools/events.js";
import { registerMessageTools } from "./tools/messages.js";
import { registerReactionTools } from "./tools/reactions.js";

export const SERVER_INFO = { name: "slackline", version: "0.1.0" } as const;

/** One MCP server (one per session or request) over shared Slack client and inbox. */
export function createMcpServer(deps: ToolDeps): McpServer {
  const server = new McpServer(SERVER_INFO, {
    instructions:
      "Slack tools for one bot. Channel arguments are channel ids (see slack_list_channels). " +
      "Use slack_wait_for_events to receive what people say to the bot (app_mention, message.im…), " +
      "then answer with slack_thread_reply using the event's channel and ts (or thread_ts).",
  });
  registerMessageTools(server, deps);
  registerReactionTools(server, deps);
  registerDirectoryTools(server, deps);
  if (deps.inbox) registerEventTools(server, deps.inbox);
  return server;
}
