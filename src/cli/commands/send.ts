import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { signingSecretsOrDev } from "../../config/config.js";
import { signSlackRequest } from "../../ingress/signature.js";
import { commandContext } from "../context.js";

export interface SendFlags {
  url?: string;
  retry?: number;
  times?: number;
  fresh?: boolean;
}

interface Encoded {
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
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(payload)) form.set(k, String(v));
    return { body: form.toString(), contentType: "application/x-www-form-urlencoded" };
  }
  if (typeof payload.type === "string" && INTERACTION_TYPES.has(payload.type)) {
    return {
      body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      contentType: "application/x-www-form-urlencoded",
    };
  }
  return { body: JSON.stringify(payload), contentType: "application/json" };
}

/** `slackline send <payload.json|->`: signs and posts as Slack would, printing each status. */
export async function send(file: string, flags: SendFlags): Promise<number> {
  const { config } = commandContext({});
  const { secrets } = signingSecretsOrDev(config, { dev: false });
  const text = file === "-" ? readFileSync(0, "utf8") : readFileSync(file, "utf8");
  const encoded = encodeAsSlack(text, Boolean(flags.fresh));
  const url = flags.url ?? `http://${config.host}:${config.port}/slack/events`;
  const times = flags.times ?? 1;
  const results = await Promise.all(
    Array.from({ length: times }, async (_, i) => {
      const { timestamp, signature } = signSlackRequest(secrets[0]!, encoded.body);
      const retry = flags.retry !== undefined ? flags.retry + i : i > 0 ? i : undefined;
      const headers: Record<string, string> = {
        "content-type": encoded.contentType,
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature,
      };
      if (retry !== undefined && retry > 0) {
        headers["x-slack-retry-num"] = String(retry);
        headers["x-slack-retry-reason"] = "http_timeout";
      }
      try {
        const res = await fetch(url, { method: "POST", headers, body: encoded.body });
        const answer = (await res.text()).trim();
        console.log(`${res.status} ${res.statusText}${answer ? ` ${answer}` : ""}`);
        return res.ok;
      } catch (err) {
        console.log(`error ${(err as Error).message}: is slackline running at ${url}?`);
        return false;
      }
    }),
  );
  return results.every(Boolean) ? 0 : 1;
}
