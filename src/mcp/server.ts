import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { registerResources } from "./resources.js";
import { type ToolDeps, ToolSet } from "./tools/deps.js";
import { registerDirectoryTools } from "./tools/directory.js";
import { registerEditTools } from "./tools/edits.js";
import { registerEventTools } from "./tools/events.js";
import { registerFileTools } from "./tools/files.js";
import { registerMessageTools } from "./tools/messages.js";
import { registerReactionTools } from "./tools/reactions.js";
import { registerSearchTools } from "./tools/search.js";

export const SERVER_INFO = { name: "slackline", version: "0.1.0" } as const;

/** Every tool this runtime offers, declared once. */
export function declareTools(deps: ToolDeps): ToolSet {
  const tools = new ToolSet(deps.gate);
  const { register } = tools;
  registerMessageTools(register, deps);
  registerEditTools(register, deps);
  registerReactionTools(register, deps);
  registerDirectoryTools(register, deps);
  registerFileTools(register, deps);
  registerSearchTools(register, deps);
  if (deps.inbox) registerEventTools(register, deps.inbox);
  return tools;
}

/**
 * One MCP server (one per session or request) over the shared Slack clients and inbox. Building it
 * makes no Slack call: `initialize` is answered at once, and directories load on first use.
 */
export function createMcpServer(deps: ToolDeps, tools: ToolSet = declareTools(deps)): McpServer {
  const server = new McpServer(SERVER_INFO, {
    instructions:
      "Slack tools for one bot. Channel arguments are channel ids (see slack_list_channels). " +
      "Use slack_wait_for_events to receive what people say to the bot (app_mention, message.im…), " +
      "then answer with slack_thread_reply using the event's channel and ts (or thread_ts). " +
      "With ack: false, ack each event with slack_ack_events once handled.",
  });
  tools.installOn(server);
  if (deps.bot && deps.directory) registerResources(server, deps.bot, deps.directory);
  return server;
}
