import type { ChatPostMessageResponse, WebClient } from "@slack/web-api";
import type { Envelope } from "../envelope/envelope.js";
import type { Logger } from "../observability/logger.js";
import type { MessageResponse } from "./payloads.js";

/** The second argument of every handler. */
export interface HandlerContext {
  envelope: Envelope;
  /** Slack's retry count and reason for the HTTP delivery that produced this envelope. */
  retry: { num: number; reason: string | null };
  /** 1 on the first delivery from the queue, higher on redeliveries. */
  attempt: number;
  /** The route that matched (for example "message.im"). */
  route: string;
  logger: Logger;
  /** A Web API client (honouring SLACK_API_URL) when SLACK_BOT_TOKEN is set. */
  client: WebClient | undefined;
  /** Aborts when the handler's timeout passes or the worker shuts down past its deadline. */
  signal: AbortSignal;
  /**
   * Replies through the payload's `response_url` (commands and interactions; Slack allows 5 uses
   * within 30 minutes): `replace_original`, `delete_original`, `response_type` are honoured. Retries
   * 5xx and 429.
   */
  respond(message: MessageResponse | string): Promise<void>;
  /** Posts to the channel the payload came from, through the Web API client. */
  say(message: string | (MessageResponse & Record<string, unknown>)): Promise<ChatPostMessageResponse>;
}

export type Handler<P = unknown> = (payload: P, context: HandlerContext) => unknown;
