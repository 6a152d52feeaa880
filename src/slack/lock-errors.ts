/**
 * A Slack call the lock could not complete. Never means "someone else holds the claim": that is
 * a `held` result, decided only from `already_pinned` / `already_reacted` and what Slack reads back.
 */
export class SlackLockError extends Error {
  constructor(
    /** Slack's error code (`not_in_channel`, `invalid_auth`...), `ratelimited`, `request_failed` or `http_<status>`. */
    readonly code: string,
    readonly method: string,
    message: string,
    /** For `ratelimited`: the Retry-After Slack asked for. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "SlackLockError";
  }
}

/** The event gives the lock no message to claim (a slash command, a team_join...). */
export class LockTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LockTargetError";
  }
}
