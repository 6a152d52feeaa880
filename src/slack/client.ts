import { LogLevel, WebClient, type WebClientOptions } from "@slack/web-api";
import type { Config } from "../config/config.js";

/** A Web API client for handlers and tools, honouring SLACK_API_URL (a fake Slack in tests). */
export function createWebClient(
  config: Pick<Config, "botToken" | "apiUrl">,
  options: WebClientOptions = {},
): WebClient | undefined {
  if (!config.botToken) return undefined;
  return new WebClient(config.botToken, {
    logLevel: LogLevel.ERROR,
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}),
    ...options,
  });
}
