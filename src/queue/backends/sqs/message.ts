import type { Message } from "@aws-sdk/client-sqs";
import type { Envelope } from "../../../envelope/envelope.js";

/** SQS counts visibility in whole seconds, and a message may stay invisible at most 12 h from its receipt. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/** Milliseconds as SQS visibility seconds: rounded up, so a delay is never shorter than asked. */
export const toSeconds = (ms: number): number => Math.max(0, Math.ceil(ms / 1000));

/**
 * The visibility timeout SQS will take for a message received at `receivedAt`: `seconds`, or what is
 * left of its 12 hours when that is less. Past the cap a retry comes back sooner than asked (and
 * counts as an attempt then), and an extend() no longer keeps the lease.
 */
export function clampVisibility(seconds: number, receivedAt: number, now = Date.now()): number {
  const left = MAX_VISIBILITY_SECONDS - Math.ceil((now - receivedAt) / 1000);
  return Math.max(0, Math.min(seconds, left));
}

/**
 * The message body as the envelope it carries. Raw-delivery subscriptions hand over the published
 * text itself; one set up without raw delivery wraps it in SNS's JSON notification, which is
 * unwrapped here so such a queue still works. Null when the body is not JSON.
 */
export function parseBody(body: string | undefined): Envelope | null {
  let value: unknown;
  try {
    value = JSON.parse(body ?? "");
  } catch {
    return null;
  }
  const n = value as { Type?: unknown; Message?: unknown; TopicArn?: unknown } | null;
  if (n && n.Type === "Notification" && typeof n.Message === "string" && typeof n.TopicArn === "string") {
    return parseBody(n.Message);
  }
  return typeof value === "object" && value !== null ? (value as Envelope) : null;
}

/** The receive count SQS keeps for the message: the delivery's attempt. */
export const receiveCount = (m: Message): number =>
  Math.max(1, Number(m.Attributes?.ApproximateReceiveCount ?? 1) || 1);

/** When the message entered the queue (epoch ms), or null when SQS did not say. */
export function sentAt(m: Message): number | null {
  const t = Number(m.Attributes?.SentTimestamp);
  return Number.isFinite(t) && t > 0 ? t : null;
}

/** Errors that mean "this receipt is no longer ours": the message came back or went to someone else. */
export const isStaleReceipt = (err: unknown): boolean => {
  const code = (err as { code?: unknown; name?: unknown })?.code ?? (err as { name?: unknown })?.name;
  return (
    code === "MessageNotInflight" || code === "ReceiptHandleIsInvalid" || code === "InvalidReceiptHandle"
  );
};
