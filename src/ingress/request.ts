import { type Envelope, envelopeAroundRawBody } from "../envelope/envelope.js";
import type { BodyFormat, ParsedRequest } from "./parse.js";

/** Request headers as every transport has them: lower-case names (node:http's IncomingHttpHeaders fits). */
export type IngressHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** What every transport hands the ingress core. */
export interface IngressRequest {
  headers: IngressHeaders;
  /** The body exactly as received: the signature covers these bytes. */
  rawBody: Buffer;
  /** Milliseconds since the epoch when the transport received the request. */
  receivedAt: number;
  /** The body's format when the transport already read it from Content-Type (saves reading it twice). */
  format?: BodyFormat;
}

/** One header's value; a repeated header counts as absent (Slack never repeats these). */
export function headerValue(headers: IngressHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === "string" ? value : undefined;
}

/** Slack's retry of an HTTP delivery: `X-Slack-Retry-Num` (0 when absent or not a number) and its reason. */
export interface RetryInfo {
  num: number;
  reason: string | null;
}

export const FIRST_TRY: RetryInfo = { num: 0, reason: null };

export function retryOf(headers: IngressHeaders): RetryInfo {
  const num = headerValue(headers, "x-slack-retry-num");
  const reason = headerValue(headers, "x-slack-retry-reason");
  if (num === undefined && reason === undefined) return FIRST_TRY;
  return { num: num === undefined ? 0 : Number.parseInt(num, 10) || 0, reason: reason ?? null };
}

/** The envelope of a verified delivery. A JSON body is stored as it came; a form body becomes JSON here. */
export function envelopeOf(
  parsed: Extract<ParsedRequest, { type: "delivery" }>,
  retry: RetryInfo,
  receivedAt: number,
  rawText: string | null,
): Envelope {
  const meta = {
    id: parsed.id,
    kind: parsed.kind,
    received_at: receivedAt,
    retry_num: retry.num,
    retry_reason: retry.reason,
    team_id: parsed.teamId,
  };
  return rawText !== null
    ? envelopeAroundRawBody(meta, parsed.body, rawText)
    : { v: 1, ...meta, body: parsed.body };
}
