import type { Env } from "../config/env.js";

/** What the MCP server reads from the environment (CLI flags are applied by the caller). */
export interface McpConfig {
  slackToken: string | undefined;
  /** Web API base URL; a fake Slack in tests. Undefined: Slack's own. */
  slackApiUrl: string | undefined;
  /** The event topic the inbox consumes. */
  topic: string;
  /** The inbox's consumer group: it gets every event, independently of the workers' groups. */
  group: string;
  /** Channel ids write tools may touch; null: any channel. */
  writeChannels: ReadonlySet<string> | null;
  /** Bearer token required by the HTTP transport; needed to bind beyond loopback. */
  httpToken: string | undefined;
  /** False turns the event inbox (and slack_wait_for_events) off. */
  inbox: boolean;
  /** Deliveries the inbox holds, leased, before the oldest is dead-lettered. */
  inboxSize: number;
}

const OFF = new Set(["0", "false", "off", "no"]);

function list(value: string | undefined): ReadonlySet<string> | null {
  if (value === undefined || value.trim() === "") return null;
  return new Set(
    value
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== ""),
  );
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
}

export function mcpConfigFromEnv(env: Env): McpConfig {
  return {
    slackToken: env.SLACK_BOT_TOKEN || undefined,
    slackApiUrl: env.SLACK_API_URL || undefined,
    topic: env.SLACK_EVENTS_TOPIC || "slack_events",
    group: env.SLACKLINE_MCP_GROUP || "mcp",
    writeChannels: list(env.SLACKLINE_MCP_WRITE_CHANNELS),
    httpToken: env.SLACKLINE_MCP_TOKEN || undefined,
    inbox: !OFF.has((env.SLACKLINE_MCP_INBOX ?? "").trim().toLowerCase()),
    inboxSize: positiveInt(env.SLACKLINE_MCP_INBOX_SIZE, "SLACKLINE_MCP_INBOX_SIZE", 1000),
  };
}
