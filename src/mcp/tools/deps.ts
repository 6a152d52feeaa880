import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { WebClient } from "@slack/web-api";
import type { Logger } from "../../observability/logger.js";
import type { McpConfig } from "../config.js";
import type { SlackDirectory } from "../directory/directory.js";
import type { EventInbox } from "../inbox/inbox.js";
import type { WritePolicy } from "../write-policy.js";
import { isToolName, type ToolGate } from "./catalog.js";

/** What the tools share, whichever transport and session they serve. */
export interface ToolDeps {
  config: McpConfig;
  /** The bot token's client; null without SLACK_BOT_TOKEN (its tools are not listed then). */
  bot: WebClient | null;
  /** The user token's client; null without SLACK_USER_TOKEN. */
  user: WebClient | null;
  policy: WritePolicy;
  /** Null when the inbox is off: its tools are not offered. */
  inbox: EventInbox | null;
  /** Users and channels, loaded lazily on first use, never during initialize. */
  directory: SlackDirectory | null;
  gate: ToolGate;
  logger: Logger;
}

/** McpServer.registerTool's signature: the tool modules declare their tools through it. */
export type RegisterTool = McpServer["registerTool"];

/**
 * The tools this runtime offers, declared once (schemas built once) and registered on every new
 * McpServer by `installOn`: an HTTP session's server is made while its `initialize` waits.
 */
export class ToolSet {
  private readonly entries: [string, unknown, unknown][] = [];

  constructor(private readonly gate: ToolGate) {}

  /** Records a tool the gate offers; skips the others. */
  readonly register: RegisterTool = ((name: string, config: unknown, handler: unknown) => {
    if (!isToolName(name)) throw new Error(`tool ${name} is missing from TOOL_CATALOG`);
    if (this.gate.allows(name)) this.entries.push([name, config, handler]);
    return undefined;
  }) as unknown as RegisterTool;

  get names(): string[] {
    return this.entries.map(([name]) => name);
  }

  installOn(server: McpServer): void {
    for (const [name, config, handler] of this.entries)
      server.registerTool(name, config as never, handler as never);
  }
}

/** The client a listed tool uses: the gate lists it only when the token is there. */
export function clientOf(client: WebClient | null): WebClient {
  if (!client) throw new Error("a tool was listed without its Slack token");
  return client;
}
