/**
 * Every error Slackline raises on purpose carries a stable `code` (for programs: match on it, not on
 * the message) and the error that caused it (`cause`), which logs print with its stack.
 */
/** Every code Slackline raises; docs/errors.md says what each means and what to do. */
export type SlacklineErrorCode =
  | "SLACKLINE_CONFIG"
  | "SLACKLINE_UNKNOWN_BACKEND"
  | "SLACKLINE_BACKEND_UNREACHABLE"
  | "SLACKLINE_QUEUE_CLOSED"
  | "SLACKLINE_PUBLISH_IN_FLIGHT"
  | "SLACKLINE_PUBLISH_UNROUTABLE"
  | "SLACKLINE_PUBLISH_FAILED"
  | "SLACKLINE_BODY_TOO_LARGE"
  | "SLACKLINE_SQLITE_LOCKED"
  | "SLACKLINE_HANDLER_TIMEOUT"
  | "SLACKLINE_UNRECOVERABLE"
  | "SLACKLINE_RETRY_LATER"
  | "SLACKLINE_RESPONDER_TIMEOUT"
  | "SLACKLINE_LOCK"
  | "SLACKLINE_LOCK_TARGET"
  | "SLACKLINE_HANDLER_MODULE"
  | "SLACKLINE_RESOURCE_MISSING"
  | "SLACKLINE_MESSAGE_TOO_LARGE"
  | "SLACKLINE_BACKEND_NO_REPLY"
  | "SLACKLINE_CHANNEL_LOST"
  | "SLACKLINE_DEADLINE"
  | "SLACKLINE_BACKEND_THROTTLED"
  | "SLACKLINE_SOCKET_CLOSED"
  | "SLACKLINE_NO_RESPONSE_URL"
  | "SLACKLINE_NO_CHANNEL"
  | "SLACKLINE_RESPONSE_URL"
  | "SLACKLINE_MCP_PACED"
  | (string & {});

export class SlacklineError extends Error {
  readonly code: SlacklineErrorCode;

  constructor(code: SlacklineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** True for an error Slackline raised with this code (also across copies of the package). */
export function hasCode(err: unknown, code: SlacklineErrorCode): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === code;
}

/**
 * Thrown by a handler for a delivery that can never succeed (a malformed request from a user, a
 * deleted channel): it goes to the dead-letter queue at once, without the remaining attempts.
 */
export class UnrecoverableError extends SlacklineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SLACKLINE_UNRECOVERABLE", message, options);
  }
}

/**
 * Thrown by a handler that knows when to come back (a rate-limited downstream's Retry-After): the
 * delivery is retried after `delayMs` instead of the backoff's delay. It still counts as an attempt,
 * so MAX_ATTEMPTS bounds it like any failure.
 */
export class RetryLaterError extends SlacklineError {
  readonly delayMs: number;

  constructor(delayMs: number, message = `retry requested in ${delayMs} ms`, options?: { cause?: unknown }) {
    super("SLACKLINE_RETRY_LATER", message, options);
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError("delayMs must be a number >= 0");
    this.delayMs = Math.round(delayMs);
  }
}

/** An error's message alone (a thrown non-Error as its string), for one-line reports. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The error's text for a dead letter or a retry reason: its name and message, never a stack. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  if (typeof err === "string") return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}
