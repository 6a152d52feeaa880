import { LogLevel, type Logger as SlackLogger, WebClient } from "@slack/web-api";
import type { Logger } from "../observability/logger.js";
import type { McpConfig } from "./config.js";

/** WebClient logs through ours: its default console logger would write to stdout, the stdio protocol. */
function slackLogger(logger: Logger): SlackLogger {
  let level = LogLevel.WARN;
  return {
    debug: (...msg: unknown[]) => logger.debug({ slack: msg.map(String).join(" ") }, "web api"),
    info: (...msg: unknown[]) => logger.debug({ slack: msg.map(String).join(" ") }, "web api"),
    warn: (...msg: unknown[]) => logger.warn({ slack: msg.map(String).join(" ") }, "web api"),
    error: (...msg: unknown[]) => logger.error({ slack: msg.map(String).join(" ") }, "web api"),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/**
 * A WebClient for tools an agent is waiting on: a rate limit or a Slack error comes back at once
 * (no 30-minute retry policy), a hung request times out.
 */
export function createSlackClient(config: McpConfig, logger: Logger): WebClient {
  return new WebClient(config.slackToken, {
    slackApiUrl: config.slackApiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 1, minTimeout: 250, maxTimeout: 1000 },
    timeout: 10_000,
    logger: slackLogger(logger),
    logLevel: LogLevel.WARN,
  });
}
