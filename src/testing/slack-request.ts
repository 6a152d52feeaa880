import { randomUUID } from "node:crypto";

export interface Encoded {
  body: string;
  contentType: string;
}

const INTERACTION_TYPES = new Set([
  "block_actions",
  "block_suggestion",
  "view_submission",
  "view_closed",
  "shortcut",
  "message_action",
  "interactive_message",
  "dialog_submission",
  "dialog_suggestion",
  "dialog_cancellation",
]);

/** An interaction as Slack posts it: its JSON in the `payload` field of a form. */
export const interactionForm = (payload: object): string =>
  new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

/** A slash command as Slack posts it: its fields, form-encoded. */
export const commandForm = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();

/**
 * Encodes a payload file the way Slack sends it: Events API JSON as is; an interaction as a form
 * with `payload=`; a slash command (an object with a "command" field) as a form; form text as is.
 */
export function encodeAsSlack(text: string, fresh: boolean): Encoded {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { body: text.trim(), contentType: "application/x-www-form-urlencoded" };
  }
  if (typeof value !== "object" || value === null)
    throw new Error("the payload must be a JSON object or form text");
  const payload = value as Record<string, unknown>;
  if (fresh) {
    if (typeof payload.event_id === "string")
      payload.event_id = `Ev${randomUUID().replaceAll("-", "").slice(0, 14).toUpperCase()}`;
    if (typeof payload.trigger_id === "string")
      payload.trigger_id = `${Date.now()}.${randomUUID().slice(0, 8)}`;
  }
  if (typeof payload.command === "string") {
    const fields = Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, String(v)]));
    return { body: commandForm(fields), contentType: "application/x-www-form-urlencoded" };
  }
  if (typeof payload.type === "string" && INTERACTION_TYPES.has(payload.type)) {
    return {
      body: interactionForm(payload),
      contentType: "application/x-www-form-urlencoded",
    };
  }
  return { body: JSON.stringify(payload), contentType: "application/json" };
}
