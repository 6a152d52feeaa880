import type { MessagePropertyHeaders } from "amqplib";

/** Attempts this message had before this copy was published (our own delayed retries). */
export const H_ATTEMPTS = "x-slackline-attempts";
/** Milliseconds since the epoch when publish() first stored it. */
export const H_PUBLISHED_AT = "x-slackline-published-at";
export const H_REASON = "x-slackline-reason";
export const H_GROUP = "x-slackline-group";
export const H_TOPIC = "x-slackline-topic";
export const H_DEAD_AT = "x-slackline-dead-at";
/** The message id the dead letter had in its group queue. */
export const H_SOURCE_ID = "x-slackline-source-id";

const num = (value: unknown): number => {
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
};

/**
 * 1 on the first delivery. Quorum queues count returns in x-delivery-count (nack with requeue, a
 * lease we expired, a channel or consumer that died); a delayed retry is a new copy that carries
 * the attempts so far in our own header.
 */
export const attemptOf = (headers: MessagePropertyHeaders | undefined): number =>
  num(headers?.[H_ATTEMPTS]) + num(headers?.["x-delivery-count"]) + 1;

export const publishedAtOf = (headers: MessagePropertyHeaders | undefined, fallback: number): number =>
  num(headers?.[H_PUBLISHED_AT]) || fallback;

/** The headers a copy keeps: ours, minus the broker's bookkeeping of the previous copy. */
export function copyHeaders(headers: MessagePropertyHeaders | undefined, extra: Record<string, unknown>) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (
      k === "x-death" ||
      k.startsWith("x-first-death") ||
      k.startsWith("x-last-death") ||
      k === "x-delivery-count"
    )
      continue;
    out[k] = v;
  }
  return { ...out, ...extra };
}
