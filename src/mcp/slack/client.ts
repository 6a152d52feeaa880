import { LogLevel, type Logger as SlackLogger, WebClient, type WebClientOptions } from "@slack/web-api";
import type { Logger } from "../../observability/logger.js";
import type { TierPacer } from "./pacer.js";

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

/** A WebClient whose every Web API call first takes its turn from the tier pacer. */
export class PacedWebClient extends WebClient {
  constructor(
    token: string,
    options: WebClientOptions,
    private readonly pacer: TierPacer | null,
  ) {
    super(token, options);
  }

  override async apiCall(method: string, options: Record<string, unknown> = {}) {
    // files.uploadV2 is WebClient's own sequence of calls; each of them is paced on its own.
    if (this.pacer && method !== "files.uploadV2") {
      const channel = typeof options.channel === "string" ? options.channel : undefined;
      await this.pacer.acquire(method, channel);
    }
    return super.apiCall(method, options);
  }
}

/**
 * A WebClient for tools an agent is waiting on: a rate limit or a Slack error comes back at once
 * (rejectRateLimitedCalls: no 30-minute retry policy), a network failure is retried once, a hung
 * request times out.
 */
export function createSlackClient(
  token: string,
  apiUrl: string | undefined,
  pacer: TierPacer | null,
  logger: Logger,
): WebClient {
  return new PacedWebClient(
    token,
    {
      ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 1, minTimeout: 250, maxTimeout: 1000 },
      timeout: 10_000,
      logger: slackLogger(logger),
      logLevel: LogLevel.WARN,
    },
    pacer,
  );
}
