import type { RejectReason } from "../observability/metrics.js";
import type { InlineAnswer } from "./inline.js";

/** What happened to a request, for the adapter's metrics and for `slackline send`. */
export type IngressOutcome =
  | "accepted"
  | "duplicate"
  /** Answered inline and not queued (a lookup no queued route wants). */
  | "answered"
  | "rejected"
  | "unavailable"
  | "url_verification"
  | "ssl_check";

/**
 * The answer to one Slack request, whatever carried it: an HTTP response, a Lambda result, a Socket
 * Mode ack. Results without a per-request part are shared constants: read them, never change them.
 */
export interface IngressResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly outcome: IngressOutcome;
  /** Why it was turned away (outcome "rejected"). */
  readonly reason?: RejectReason;
  /** The envelope id, for an accepted or duplicate delivery. */
  readonly id?: string;
}

const textHeaders = (body: string): Record<string, string> => ({
  "content-type": "text/plain; charset=utf-8",
  "content-length": String(Buffer.byteLength(body)),
});

export const REJECT_STATUS: Readonly<Record<RejectReason, number>> = {
  method: 405,
  not_found: 404,
  content_type: 415,
  too_large: 413,
  signature_missing: 401,
  signature_stale: 401,
  signature_mismatch: 401,
  malformed: 400,
};

/** A 4xx: Slack is told not to retry (the same bytes would fail the same way), and nothing was published. */
export function rejected(
  reason: RejectReason,
  detail: string,
  extraHeaders?: Readonly<Record<string, string>>,
): IngressResult {
  const body = `${detail}\n`;
  return {
    status: REJECT_STATUS[reason],
    headers: { ...textHeaders(body), "x-slack-no-retry": "1", ...extraHeaders },
    body,
    outcome: "rejected",
    reason,
  };
}

/** The signature rejections, made once: a flood of forged requests allocates no answers. */
export const SIGNATURE_REJECTED: Readonly<Record<"missing" | "stale" | "mismatch", IngressResult>> = {
  missing: rejected("signature_missing", "invalid or missing Slack signature"),
  stale: rejected("signature_stale", "invalid or missing Slack signature"),
  mismatch: rejected("signature_mismatch", "invalid or missing Slack signature"),
};

export const UNSUPPORTED_CONTENT_TYPE = rejected(
  "content_type",
  "expected application/json or application/x-www-form-urlencoded",
);

/** An empty 200 is all Slack wants for a queued delivery: no body, so no content type either. */
const EMPTY_OK_HEADERS: Readonly<Record<string, string>> = { "content-length": "0" };

/** Slack only POSTs; every transport that sees a method answers anything else with this. */
export const WRONG_METHOD = rejected("method", "use POST", { allow: "POST" });

/** A body over the transport's limit; nothing of it is parsed. */
export const bodyTooLarge = (
  maxBytes: number,
  extraHeaders?: Readonly<Record<string, string>>,
): IngressResult => rejected("too_large", `body over ${maxBytes} bytes`, extraHeaders);

export const ACCEPTED: IngressResult = {
  status: 200,
  headers: EMPTY_OK_HEADERS,
  body: "",
  outcome: "accepted",
};
export const DUPLICATE: IngressResult = {
  status: 200,
  headers: EMPTY_OK_HEADERS,
  body: "",
  outcome: "duplicate",
};
export const SSL_CHECK_OK: IngressResult = {
  status: 200,
  headers: EMPTY_OK_HEADERS,
  body: "",
  outcome: "ssl_check",
};

export function challengeAnswer(challenge: string): IngressResult {
  return { status: 200, headers: textHeaders(challenge), body: challenge, outcome: "url_verification" };
}

/** The publish was not durable: Slack retries after Retry-After. */
export function unavailable(retryAfterSeconds: number): IngressResult {
  const body = "queue unavailable\n";
  return {
    status: 503,
    headers: { ...textHeaders(body), "retry-after": String(retryAfterSeconds) },
    body,
    outcome: "unavailable",
  };
}

/** A delivery's answer with the body an inline responder gave Slack. */
export function withAnswer(outcome: IngressOutcome, id: string, answer: InlineAnswer): IngressResult {
  const headers: Record<string, string> = { "content-length": String(Buffer.byteLength(answer.body)) };
  if (answer.contentType !== null) headers["content-type"] = answer.contentType;
  return { status: 200, headers, body: answer.body, outcome, id };
}

/** A request header `slackline send` sets: the answer then says what became of the delivery. */
export const EXPLAIN_HEADER = "x-slackline-explain";
/** The outcome of an explained delivery: accepted, duplicate, answered or unavailable. */
export const OUTCOME_HEADER = "x-slackline-outcome";
/** The envelope id (the event_id, or the interaction's or command's id) of an explained delivery. */
export const EVENT_ID_HEADER = "x-slackline-event-id";

/**
 * A delivery's result with its outcome and envelope id in headers, for a request that asked
 * (EXPLAIN_HEADER). Slack never asks, so its requests keep the shared results and pay nothing.
 */
export function explained(result: IngressResult, id: string): IngressResult {
  return {
    ...result,
    headers: { ...result.headers, [OUTCOME_HEADER]: result.outcome, [EVENT_ID_HEADER]: id },
    id,
  };
}
