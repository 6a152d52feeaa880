import { ConfigError } from "../../../config/config-error.js";
import type { Env } from "../../../config/env.js";
import { type LockSettings, lockSettingsFromEnv } from "../../../slack/lock-config.js";

export interface SlackQueueConfig {
  /** SLACKMQ_CHANNEL: the channel id the queue lives in (the bot must be a member). */
  channel: string;
  token: string;
  /** SLACK_API_URL (a fake Slack in tests), else Slack's own. */
  apiUrl: string | undefined;
  /** Claims on queue messages: SLACKLINE_LOCK_* (the stale time is the consumer's lease unless SLACKLINE_LOCK_STALE_SECONDS is set). */
  lock: LockSettings;
  staleFromEnv: boolean;
  /** SLACKMQ_POLL_MS: first poll interval when idle; doubles up to SLACKMQ_POLL_MAX_MS. */
  pollMs: number;
  pollMaxMs: number;
  /** SLACKMQ_LOOKBACK_HOURS: how far back a consumer that starts reads the channel. */
  lookbackMs: number;
  /** SLACKMQ_PUBLISH_WAIT_MS: longest time publish spends honouring Retry-After before it fails (ingress then answers 503). */
  publishWaitMs: number;
}

export const SLACK_QUEUE_DEFAULTS = {
  pollMs: 2000,
  pollMaxMs: 30_000,
  lookbackHours: 168,
  publishWaitMs: 10_000,
};

function positive(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(`${name}=${raw} must be a positive number; fix or unset it`);
  return n;
}

export function slackQueueConfigFromEnv(env: Env): SlackQueueConfig {
  const channel = env.SLACKMQ_CHANNEL?.trim();
  if (!channel)
    throw new ConfigError(
      "QUEUE_BACKEND=slack needs SLACKMQ_CHANNEL, the id of the channel to keep the queue in",
    );
  const token = env.SLACK_BOT_TOKEN?.trim();
  if (!token)
    throw new ConfigError(
      "QUEUE_BACKEND=slack needs SLACK_BOT_TOKEN (a bot that is a member of SLACKMQ_CHANNEL)",
    );
  const apiUrl = env.SLACK_API_URL?.trim();
  const pollMs = positive(env, "SLACKMQ_POLL_MS", SLACK_QUEUE_DEFAULTS.pollMs);
  return {
    channel,
    token,
    apiUrl: apiUrl ? (apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`) : undefined,
    lock: lockSettingsFromEnv(env),
    staleFromEnv: Boolean(env.SLACKLINE_LOCK_STALE_SECONDS?.trim()),
    pollMs,
    pollMaxMs: Math.max(pollMs, positive(env, "SLACKMQ_POLL_MAX_MS", SLACK_QUEUE_DEFAULTS.pollMaxMs)),
    lookbackMs: positive(env, "SLACKMQ_LOOKBACK_HOURS", SLACK_QUEUE_DEFAULTS.lookbackHours) * 3_600_000,
    publishWaitMs: positive(env, "SLACKMQ_PUBLISH_WAIT_MS", SLACK_QUEUE_DEFAULTS.publishWaitMs),
  };
}
