import { ConfigError } from "../config/config-error.js";
import type { Env } from "../config/env.js";
import { LOCK_DEFAULTS, type LockStrategy, type SlackLockOptions } from "./lock.js";

export type LockSettings = Required<
  Pick<
    SlackLockOptions,
    "strategy" | "emoji" | "doneEmoji" | "staleMs" | "sharedToken" | "maxRateLimitWaitMs"
  >
>;

const emoji = (raw: string | undefined, fallback: string): string =>
  raw?.trim().replace(/^:|:$/g, "") || fallback;

function seconds(env: Env, name: string, fallbackMs: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallbackMs;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(`${name}=${raw} must be a positive number of seconds`);
  return Math.round(n * 1000);
}

/**
 * SLACKLINE_LOCK_STRATEGY (pin | reaction), SLACKLINE_LOCK_EMOJI, SLACKLINE_LOCK_DONE_EMOJI,
 * SLACKLINE_LOCK_STALE_SECONDS, SLACKLINE_LOCK_SHARED_TOKEN, SLACKLINE_LOCK_MAX_RATE_LIMIT_WAIT_SECONDS.
 */
export function lockSettingsFromEnv(env: Env): LockSettings {
  const strategy = (env.SLACKLINE_LOCK_STRATEGY?.trim().toLowerCase() ||
    LOCK_DEFAULTS.strategy) as LockStrategy;
  if (strategy !== "pin" && strategy !== "reaction") {
    throw new ConfigError(
      `SLACKLINE_LOCK_STRATEGY=${env.SLACKLINE_LOCK_STRATEGY} must be "pin" or "reaction"`,
    );
  }
  const settings: LockSettings = {
    strategy,
    emoji: emoji(env.SLACKLINE_LOCK_EMOJI, LOCK_DEFAULTS.emoji),
    doneEmoji: emoji(env.SLACKLINE_LOCK_DONE_EMOJI, LOCK_DEFAULTS.doneEmoji),
    staleMs: seconds(env, "SLACKLINE_LOCK_STALE_SECONDS", LOCK_DEFAULTS.staleMs),
    sharedToken: /^(1|true|yes)$/i.test(env.SLACKLINE_LOCK_SHARED_TOKEN?.trim() ?? ""),
    maxRateLimitWaitMs: seconds(
      env,
      "SLACKLINE_LOCK_MAX_RATE_LIMIT_WAIT_SECONDS",
      LOCK_DEFAULTS.maxRateLimitWaitMs,
    ),
  };
  if (settings.emoji === settings.doneEmoji) {
    throw new ConfigError("SLACKLINE_LOCK_EMOJI and SLACKLINE_LOCK_DONE_EMOJI must differ");
  }
  return settings;
}
