import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Env } from "../config/env.js";
import type { Logger } from "../observability/logger.js";
import type { QueueBackend } from "../queue/types.js";
import { type McpConfig, mcpConfigFromEnv } from "./config.js";
import { EventInbox } from "./inbox/inbox.js";
import { createMcpServer } from "./server.js";
import { createSlackClient } from "./slack-client.js";
import type { ToolDeps } from "./tools/deps.js";
import { WritePolicy } from "./write-policy.js";

export interface McpRuntimeOptions {
  env: Env;
  backend: QueueBackend;
  logger: Logger;
}

/** What every transport shares: config, the Slack client, the event inbox; servers are made per session. */
export interface McpRuntime {
  readonly config: McpConfig;
  readonly deps: ToolDeps;
  createServer(): McpServer;
  /** Stops the inbox (its unreturned events go back to the group). Does not close the backend. */
  close(): Promise<void>;
}

export function createMcpRuntime({ env, backend, logger }: McpRuntimeOptions): McpRuntime {
  const config = mcpConfigFromEnv(env);
  if (!config.slackToken) logger.warn("SLACK_BOT_TOKEN is not set: Slack tools will answer not_authed");
  const inbox = config.inbox
    ? new EventInbox(backend, {
        topic: config.topic,
        group: config.group,
        capacity: config.inboxSize,
        logger,
      })
    : null;
  inbox?.start();
  const deps: ToolDeps = {
    slack: createSlackClient(config, logger),
    policy: new WritePolicy(config.writeChannels),
    inbox,
    logger,
  };
  logger.info(
    {
      topic: config.topic,
      group: config.group,
      inbox: config.inbox,
      writeChannels: config.writeChannels ? [...config.writeChannels] : "any",
    },
    "mcp server ready",
  );
  let closing: Promise<void> | null = null;
  return {
    config,
    deps,
    createServer: () => createMcpServer(deps),
    close: () => {
      closing ??= inbox ? inbox.close() : Promise.resolve();
      return closing;
    },
  };
}
