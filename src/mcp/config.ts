import { ConfigError } from "../config/config-error.js";
import type { Env } from "../config/env.js";
import { type RateLimits, rateLimitsFromEnv } from "./slack/tiers.js";

/** What the MCP server reads from the environment (CLI flags are applied by the caller). */
export interface McpConfig {
  /** SLACK_BOT_TOKEN (xoxb): most tools act as the bot. */
  slackToken: string | undefined;
  /** SLACK_USER_TOKEN (xoxp): the tools Slack serves only to users (search, unreads). */
  userToken: string | undefined;
  /** Web API base URL; a fake Slack in tests. Undefined: Slack's own. */
  slackApiUrl: string | undefined;
  /** The event topic the inbox consumes. */
  topic: string;
  /** The inbox's consumer group: it gets every event, independently of the workers' groups. */
  group: string;
  /** Channel ids write tools may touch; null: any channel. */
  writeChannels: ReadonlySet<string> | null;
  /** SLACKLINE_MCP_TOOLS: the only tools offered; null: every tool. */
  tools: ReadonlySet<string> | null;
  /** No write tool is listed at all (`--read-only`, SLACKLINE_MCP_READ_ONLY=1). */
  readOnly: boolean;
  /** Bearer tokens the HTTP transport accepts (a comma list: one per agent); needed beyond loopback. */
  httpTokens: readonly string[];
  /** Open HTTP sessions per client (per bearer token, else per remote address). */
  sessionsPerClient: number;
  /** False turns the event inbox (and its tools) off. */
  inbox: boolean;
  /** Deliveries the inbox holds, leased, before leasing pauses. */
  inboxSize: number;
  /** Messages the agent posted (metadata event_type slackline_mcp) reach the inbox too. */
  inboxIncludeOwn: boolean;
  /** How long an event returned with `ack: false` waits for slack_ack_events before it comes back. */
  ackLeaseMs: number;
  /** How long the user and channel directories are reused before a lazy refresh. */
  directoryTtlMs: number;
  /** slack_read_file reads at most this many bytes of a file. */
  fileMaxBytes: number;
  /** Outbound pacing per Slack method tier; null: off. */
  rateLimits: RateLimits | null;
}

/** The event_type of the metadata every message posted through MCP carries. */
export const AGENT_EVENT_TYPE = "slackline_mcp";

const OFF = new Set(["0", "false", "off", "no"]);
const ON = new Set(["1", "true", "on", "yes"]);

const flag = (value: string | undefined): string => (value ?? "").trim().toLowerCase();

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
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError(`${name} must be a positive integer, got "${value}"`);
  return n;
}

export function mcpConfigFromEnv(env: Env): McpConfig {
  return {
    slackToken: env.SLACK_BOT_TOKEN || undefined,
    userToken: env.SLACK_USER_TOKEN || undefined,
    slackApiUrl: env.SLACK_API_URL || undefined,
    topic: env.SLACK_EVENTS_TOPIC || "slack_events",
    group: env.SLACKLINE_MCP_GROUP || "mcp",
    writeChannels: list(env.SLACKLINE_MCP_WRITE_CHANNELS),
    tools: list(env.SLACKLINE_MCP_TOOLS),
    readOnly: ON.has(flag(env.SLACKLINE_MCP_READ_ONLY)),
    httpTokens: [...(list(env.SLACKLINE_MCP_TOKEN) ?? [])],
    sessionsPerClient: positiveInt(
      env.SLACKLINE_MCP_SESSIONS_PER_CLIENT,
      "SLACKLINE_MCP_SESSIONS_PER_CLIENT",
      10,
    ),
    inbox: !OFF.has(flag(env.SLACKLINE_MCP_INBOX)),
    inboxSize: positiveInt(env.SLACKLINE_MCP_INBOX_SIZE, "SLACKLINE_MCP_INBOX_SIZE", 1000),
    inboxIncludeOwn: ON.has(flag(env.SLACKLINE_MCP_INBOX_INCLUDE_OWN)),
    ackLeaseMs:
      positiveInt(env.SLACKLINE_MCP_ACK_LEASE_SECONDS, "SLACKLINE_MCP_ACK_LEASE_SECONDS", 300) * 1000,
    directoryTtlMs:
      positiveInt(env.SLACKLINE_MCP_DIRECTORY_TTL_SECONDS, "SLACKLINE_MCP_DIRECTORY_TTL_SECONDS", 900) * 1000,
    fileMaxBytes: positiveInt(env.SLACKLINE_MCP_FILE_MAX_BYTES, "SLACKLINE_MCP_FILE_MAX_BYTES", 1024 * 1024),
    rateLimits: rateLimitsFromEnv(env.SLACKLINE_MCP_RATE_LIMITS),
  };
}
