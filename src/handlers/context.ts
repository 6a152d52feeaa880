import type { WebClient } from "@slack/web-api";
import type { Envelope } from "../envelope/envelope.js";
import type { Logger } from "../observability/logger.js";

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
}

export type Handler<P = unknown> = (payload: P, context: HandlerContext) => unknown;
