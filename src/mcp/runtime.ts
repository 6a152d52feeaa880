import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Env } from "../config/env.js";
import type { Logger } from "../observability/logger.js";
import type { QueueBackend } from "../queue/types.js";
import { type McpConfig, mcpConfigFromEnv } from "./config.js";
import { SlackDirectory } from "./directory/directory.js";
import { EventInbox } from "./inbox/inbox.js";
import { createMcpServer, declareTools } from "./server.js";
import { createSlackClient } from "./slack/client.js";
import { TierPacer } from "./slack/pacer.js";
import { ToolGate, unknownToolNames } from "./tools/catalog.js";
import type { ToolDeps } from "./tools/deps.js";
import { WritePolicy } from "./write-policy.js";

export interface McpRuntimeOptions {
  env: Env;
  backend: QueueBackend;
  logger: Logger;
}

/** What every transport shares: config, the Slack clients, the event inbox; servers are made per session. */
export interface McpRuntime {
  readonly config: McpConfig;
  readonly deps: ToolDeps;
  createServer(): McpServer;
  /** Stops the inbox (its unreturned events go back to the group). Does not close the backend. */
  close(): Promise<void>;
}

export function createMcpRuntime({ env, backend, logger }: McpRuntimeOptions): McpRuntime {
  const config = mcpConfigFromEnv(env);
  const unknown = unknownToolNames(config.tools);
  if (unknown.length > 0) throw new Error(`SLACKLINE_MCP_TOOLS names no such tool: ${unknown.join(", ")}`);
  if (!config.slackToken && !config.userToken)
    logger.warn("neither SLACK_BOT_TOKEN nor SLACK_USER_TOKEN is set: only the inbox tools are offered");
  const client = (token: string | undefined) =>
    token
      ? createSlackClient(
          token,
          config.slackApiUrl,
          config.rateLimits && new TierPacer(config.rateLimits),
          logger,
        )
      : null;
  const bot = client(config.slackToken);
  const inbox = config.inbox
    ? new EventInbox(backend, {
        topic: config.topic,
        group: config.group,
        capacity: config.inboxSize,
        ackLeaseMs: config.ackLeaseMs,
        includeOwn: config.inboxIncludeOwn,
        logger,
      })
    : null;
  inbox?.start();
  const gate = new ToolGate({
    bot: bot !== null,
    user: config.userToken !== undefined,
    inbox: inbox !== null,
    readOnly: config.readOnly,
    allow: config.tools,
  });
  const deps: ToolDeps = {
    config,
    bot,
    user: client(config.userToken),
    policy: new WritePolicy(config.writeChannels),
    inbox,
    directory: bot ? new SlackDirectory(bot, config.directoryTtlMs) : null,
    gate,
    logger,
  };
  const tools = declareTools(deps);
  logger.info(
    {
      topic: config.topic,
      group: config.group,
      inbox: config.inbox,
      readOnly: config.readOnly,
      tools: tools.names.length,
      writeChannels: config.writeChannels ? [...config.writeChannels] : "any",
      pacing: config.rateLimits ? "slack tiers" : "off",
    },
    "mcp server ready",
  );
  let closing: Promise<void> | null = null;
  return {
    config,
    deps,
    createServer: () => createMcpServer(deps, tools),
    close: () => {
      closing ??= inbox ? inbox.close() : Promise.resolve();
      return closing;
    },
  };
}
