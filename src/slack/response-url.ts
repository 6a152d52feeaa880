import { SlacklineError } from "../errors.js";

export interface ResponseUrlOptions {
  /** Tries in all, for 5xx, 429 and network errors (default 4). */
  tries?: number;
  /** First wait between tries (doubles each time; a 429's Retry-After wins). Default 500 ms. */
  baseDelayMs?: number;
  signal?: AbortSignal;
}

export class ResponseUrlError extends SlacklineError {
  constructor(
    message: string,
    readonly status: number | null,
    options?: { cause?: unknown },
  ) {
    super("SLACKLINE_RESPONSE_URL", message, options);
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

/**
 * Posts a message to an interaction's or command's `response_url`. Slack accepts 5 posts within 30
 * minutes per URL; `replace_original`, `delete_original` and `response_type` are Slack's fields.
 * Retries 5xx, 429 (after its Retry-After) and network errors; a 4xx (an expired URL: 404, a bad
 * message: 400) throws at once. Hand-written over fetch because @slack/webhook retries nothing.
 */
export async function postToResponseUrl(
  url: string,
  message: Record<string, unknown>,
  options: ResponseUrlOptions = {},
): Promise<void> {
  const { protocol } = new URL(url);
  if (protocol !== "https:" && protocol !== "http:")
    throw new ResponseUrlError(`not an http(s) URL: ${url}`, null);
  const tries = options.tries ?? 4;
  let delay = options.baseDelayMs ?? 500;
  const body = JSON.stringify(message);
  for (let attempt = 1; ; attempt++) {
    let status: number | null = null;
    let wait = delay;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      status = res.status;
      const text = await res.text();
      if (res.ok) return;
      if (status < 500 && status !== 429)
        throw new ResponseUrlError(`response_url answered ${status}: ${text.slice(0, 200)}`, status);
      const retryAfter = Number(res.headers.get("retry-after"));
      if (status === 429 && retryAfter > 0) wait = retryAfter * 1000;
      if (attempt >= tries)
        throw new ResponseUrlError(`response_url answered ${status} ${tries} times`, status);
    } catch (err) {
      if (err instanceof ResponseUrlError || options.signal?.aborted) throw err;
      if (attempt >= tries)
        throw new ResponseUrlError(`response_url unreachable after ${tries} tries`, status, { cause: err });
    }
    await sleep(wait, options.signal);
    delay *= 2;
  }
}
