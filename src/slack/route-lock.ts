import { LogLevel, WebClient } from "@slack/web-api";
import { ConfigError } from "../config/config-error.js";
import type { Env } from "../config/env.js";
import type { Envelope } from "../envelope/envelope.js";
import type { Logger } from "../observability/logger.js";
import type { LockAcquisition, RouteLock } from "../worker/locks.js";
import { SlackLock, type SlackLockOptions } from "./lock.js";
import { lockSettingsFromEnv } from "./lock-config.js";
import { lockTargetOf } from "./lock-target.js";

const REMEMBERED = 10_000;

/**
 * A RouteLock over Slack: `router.on("app_mention", fn, { claim: "slack" })` runs fn on one of the
 * bot instances that received the event. It claims the message the event is about (see
 * lockTargetOf). The claim is per message: one claimed route per message (two routes claiming the
 * same message are reported as an error, since the second would find the first one's done marker).
 */
export function slackRouteLock(options: SlackLockOptions | { lock: SlackLock }): RouteLock {
  const lock = "lock" in options ? options.lock : new SlackLock(options);
  const routeOf = new Map<string, string>();
  return {
    async acquire(envelope: Envelope, routeId: string): Promise<LockAcquisition> {
      const { channel, ts } = lockTargetOf(envelope, routeId);
      const key = `${channel}/${ts}`;
      const other = routeOf.get(key);
      if (other !== undefined && other !== routeId) {
        throw new ConfigError(
          `routes "${other}" and "${routeId}" both claim ${key} through the slack lock; its done marker is per message, so one would be skipped: claim one route per message`,
        );
      }
      if (other === undefined) {
        if (routeOf.size >= REMEMBERED) routeOf.delete(routeOf.keys().next().value!);
        routeOf.set(key, routeId);
      }
      const result = await lock.claim(channel, ts);
      if (result.status !== "acquired") return result;
      return { status: "acquired", done: result.claim.done, release: result.claim.release };
    },
  };
}

/**
 * The lock `slackline start|worker` registers as `locks.slack` when SLACK_BOT_TOKEN is set. It gets
 * its own client on the same token and URL that rejects rate-limited calls, so the lock itself
 * honours Retry-After within its budget instead of the client queueing every call behind a 429.
 */
export function slackRouteLockFromEnv(env: Env, client: WebClient, logger?: Logger): RouteLock {
  const settings = lockSettingsFromEnv(env);
  const own = new WebClient(client.token, {
    slackApiUrl: client.slackApiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
    timeout: 30_000,
  });
  logger?.info(
    {
      strategy: settings.strategy,
      emoji: settings.emoji,
      done_emoji: settings.doneEmoji,
      stale_seconds: settings.staleMs / 1000,
    },
    "slack route lock ready",
  );
  return slackRouteLock({ ...settings, client: own, ...(logger ? { logger } : {}) });
}
