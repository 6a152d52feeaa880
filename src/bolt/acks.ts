import type { Envelope } from "../envelope/envelope.js";
import type { Logger } from "../observability/logger.js";

/** Payload types whose ack body Slack reads: Slackline runs their listeners inline up to ack(). */
export const ANSWERED_INLINE = new Set([
  "block_suggestion",
  "dialog_suggestion",
  "view_submission",
  "dialog_submission",
  "interactive_message",
]);

export const answeredInline = (envelope: Envelope): boolean =>
  envelope.kind === "command" ||
  (envelope.kind === "interaction" && ANSWERED_INLINE.has((envelope.body as { type?: string }).type ?? ""));

/** Which listener an ack came from, as far as the payload tells: its type and ids. */
function describe(envelope: Envelope): string {
  const body = envelope.body as Record<string, unknown>;
  const first = Array.isArray(body.actions)
    ? (body.actions[0] as Record<string, unknown> | undefined)
    : undefined;
  const parts = [String(body.type ?? body.command ?? envelope.kind)];
  const actionId = first?.action_id ?? body.action_id;
  if (typeof actionId === "string") parts.push(`action_id ${actionId}`);
  const callbackId = (body.view as Record<string, unknown> | undefined)?.callback_id ?? body.callback_id;
  if (typeof callbackId === "string") parts.push(`callback_id ${callbackId}`);
  return parts.join(", ");
}

/**
 * The ack() a listener gets in the worker: Slack had its answer when the payload was queued, so it
 * resolves at once. A body that Slack can no longer read is a mistake worth a warning.
 */
export function queuedAck(envelope: Envelope, logger: Logger): (response?: unknown) => Promise<void> {
  return async (response?: unknown) => {
    if (response === undefined || answeredInline(envelope)) return;
    logger.warn(
      { id: envelope.id, listener: describe(envelope) },
      "a Bolt listener called ack() with a body Slack no longer reads: this payload was answered when it was queued. Only app.options, app.view (view_submission), app.command and legacy dialog/message listeners answer Slack with their ack body",
    );
  };
}

/** An ack() that never resolves: in the answer phase the listener stops at its ack, which ends the phase. */
export const NEVER: Promise<void> = new Promise(() => {});
