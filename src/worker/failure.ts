import { errorText, hasCode } from "../errors.js";

/** Why one handler of a delivery did not succeed, and what that asks of the retry. */
export interface Failure {
  route: string;
  error: string;
  /** Wait at least this long before the next attempt (a lock held elsewhere). The backoff still applies. */
  retryInMs?: number;
  /** The handler asked for exactly this delay (RetryLaterError): no backoff of its own. */
  requestedDelayMs?: number;
  /** The handler said it can never succeed (UnrecoverableError): dead-letter now. */
  unrecoverable?: boolean;
}

/**
 * A handler's error as a failure. The signals are recognised by their code, not by class, so a
 * handler module bundled with another copy of Slackline is understood too.
 */
export function failureOf(route: string, err: unknown): Failure {
  const failure: Failure = { route, error: errorText(err) };
  if (hasCode(err, "SLACKLINE_UNRECOVERABLE")) failure.unrecoverable = true;
  else if (hasCode(err, "SLACKLINE_RETRY_LATER")) {
    const delay = (err as { delayMs?: unknown }).delayMs;
    if (typeof delay === "number" && delay >= 0) failure.requestedDelayMs = delay;
  }
  return failure;
}
