import { SlacklineError } from "./errors.js";

/** A wait that `withDeadline` gave up on; the work itself may still finish later. */
export class DeadlineError extends SlacklineError {
  constructor(what: string, ms: number) {
    super("SLACKLINE_DEADLINE", `${what} did not answer within ${ms} ms`);
  }
}

/**
 * `promise`, or a DeadlineError after `ms`. Only the caller stops waiting: a call on a silently dead
 * socket would otherwise wait for a heartbeat or a TCP timeout.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineError(what, ms)), ms);
      }),
    ]);
  } finally {
    // Cleared, or a short command (`slackline dlq list`) stays alive until the timer fires.
    clearTimeout(timer);
  }
}

/**
 * Waits for `promise` to settle, at most `ms`, whatever its outcome: for polite closes (QUIT,
 * close-ok, a thread's exit) that a peer that is gone never answers.
 */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.then(
      () => {},
      () => {},
    ),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
