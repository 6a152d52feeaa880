import type { ChatPostMessageResponse, WebClient } from "@slack/web-api";
import { ConfigError } from "../config/config-error.js";
import type { Envelope } from "../envelope/envelope.js";
import { SlacklineError } from "../errors.js";
import { postToResponseUrl } from "../slack/response-url.js";
import type { MessageResponse } from "./payloads.js";
import { payloadOf } from "./router.js";

const record = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined;
const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

/** The channel a payload came from: an event's, an interaction's, a command's. */
export function channelOf(envelope: Envelope): string | undefined {
  const payload = record(payloadOf(envelope)) ?? {};
  return (
    str(payload.channel) ??
    str(record(payload.channel)?.id) ??
    str(payload.channel_id) ??
    str(record(payload.container)?.channel_id) ??
    str(record(payload.item)?.channel)
  );
}

/** The `response_url` of a command or an interaction (a modal's first `response_urls` entry). */
export function responseUrlOf(envelope: Envelope): string | undefined {
  const body = record(envelope.body) ?? {};
  const urls = Array.isArray(body.response_urls) ? body.response_urls : [];
  return str(body.response_url) ?? str(record(urls[0])?.response_url);
}

/** `ctx.respond()`: a message to the payload's response_url. */
export async function respondTo(envelope: Envelope, message: MessageResponse | string, signal?: AbortSignal) {
  const url = responseUrlOf(envelope);
  if (!url)
    throw new SlacklineError(
      "SLACKLINE_NO_RESPONSE_URL",
      `this ${envelope.kind} has no response_url to respond to; use ctx.say() or the client`,
    );
  const body = typeof message === "string" ? { text: message } : { ...message };
  await postToResponseUrl(url, body as Record<string, unknown>, signal ? { signal } : {});
}

/** `ctx.say()`: a message to the channel the payload came from, through the Web API. */
export async function sayIn(
  envelope: Envelope,
  client: WebClient | undefined,
  message: string | (MessageResponse & Record<string, unknown>),
): Promise<ChatPostMessageResponse> {
  if (!client) throw new ConfigError("ctx.say() needs a Web API client: set SLACK_BOT_TOKEN");
  const channel = channelOf(envelope);
  if (!channel)
    throw new SlacklineError("SLACKLINE_NO_CHANNEL", `this ${envelope.kind} names no channel to say it in`);
  const args = typeof message === "string" ? { text: message } : message;
  return client.chat.postMessage({ ...args, channel } as Parameters<WebClient["chat"]["postMessage"]>[0]);
}
