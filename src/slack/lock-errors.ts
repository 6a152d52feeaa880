import { SlacklineError } from "../errors.js";

/**
 * A Slack call the lock could not complete. Never means "someone else holds the claim": that is
 * a `held` result, decided only from `already_pinned` / `already_reacted` and what Slack reads back.
 */
export class SlackLockError extends SlacklineError {
  constructor(
    /** Slack's error code (`not_in_channel`, `invalid_auth`...), `ratelimited`, `request_failed` or `http_<status>`. */
    readonly slackError: string,
    readonly method: string,
    message: string,
    /** For `ratelimited`: the Retry-After Slack asked for. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super("SLACKLINE_LOCK", message, options);
  }
}

/** The event gives the lock no message to claim (a slash command, a team_join...). */
export class LockTargetError extends SlacklineError {
  constructor(message: string) {
    super("SLACKLINE_LOCK_TARGET", message);
  }
}
