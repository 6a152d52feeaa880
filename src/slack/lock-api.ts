import {
  ErrorCode,
  type WebAPIHTTPError,
  type WebAPIPlatformError,
  type WebAPIRateLimitedError,
  type WebClient,
} from "@slack/web-api";
import { SlackLockError } from "./lock-errors.js";

/** A Slack answer: the data, or Slack's error code for the caller to classify. */
export type Answer = { ok: true; data: Record<string, unknown> } | { ok: false; error: string };

export interface LockApiOptions {
  /** Longest total wait spent honouring Retry-After inside one call before it fails with `ratelimited`. */
  maxRateLimitWaitMs: number;
  /** Tries for a call that failed on the network or with a 5xx. */
  transientTries?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Slack calls for the lock. Slack's own error codes come back as answers (the lock decides what
 * `already_pinned` means); a 429 waits the Retry-After and tries again while the budget lasts;
 * network and 5xx failures are tried a few times; anything else throws SlackLockError.
 */
export class LockApi {
  constructor(
    readonly client: WebClient,
    private readonly options: LockApiOptions,
  ) {}

  async call(
    method: string,
    args: Record<string, unknown>,
    budgetMs = this.options.maxRateLimitWaitMs,
  ): Promise<Answer> {
    let waited = 0;
    let transient = 0;
    const tries = this.options.transientTries ?? 3;
    for (;;) {
      try {
        const data = (await this.client.apiCall(method, args)) as unknown as Record<string, unknown>;
        return { ok: true, data };
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === ErrorCode.PlatformError)
          return { ok: false, error: (err as WebAPIPlatformError).data.error };
        if (code === ErrorCode.RateLimitedError) {
          const retryMs = Math.max(1, (err as WebAPIRateLimitedError).retryAfter) * 1000;
          if (waited + retryMs > budgetMs) {
            throw new SlackLockError(
              "ratelimited",
              method,
              `${method} is rate limited (Retry-After ${retryMs / 1000} s, over the ${budgetMs} ms budget)`,
              retryMs,
            );
          }
          waited += retryMs;
          await sleep(retryMs);
          continue;
        }
        const status = code === ErrorCode.HTTPError ? (err as WebAPIHTTPError).statusCode : undefined;
        const retryable = code === ErrorCode.RequestError || (status !== undefined && status >= 500);
        if (retryable && ++transient < tries) {
          await sleep(200 * 2 ** transient);
          continue;
        }
        const what =
          status !== undefined
            ? `http_${status}`
            : code === ErrorCode.RequestError
              ? "request_failed"
              : "error";
        throw new SlackLockError(what, method, `${method} failed: ${(err as Error).message}`, undefined, {
          cause: err,
        });
      }
    }
  }

  /** Like call(), but Slack's error codes other than `tolerated` throw. */
  async must(
    method: string,
    args: Record<string, unknown>,
    tolerated: readonly string[] = [],
  ): Promise<Answer> {
    const answer = await this.call(method, args);
    if (!answer.ok && !tolerated.includes(answer.error)) {
      throw new SlackLockError(answer.error, method, `${method} failed: ${answer.error}`);
    }
    return answer;
  }
}
