import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { ErrorCode, type WebAPICallError } from "@slack/web-api";
import { PacedError } from "./slack/pacer.js";

/** A successful tool result: the data as structuredContent, and the same as JSON text for older clients. */
export function ok(data: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(data) }], structuredContent: data };
}

/** A failed tool result the agent can read and act on; never a protocol error. */
export function failed(error: string, message: string, extra: Record<string, unknown> = {}): CallToolResult {
  return {
    isError: true,
    content: [{ type: "text", text: message }],
    structuredContent: { ok: false, error, ...extra },
  };
}

export interface SlackErrorInfo {
  error: string;
  retry_after?: number;
  /** missing_scope: the scope the token lacks, and those it has, as Slack names them. */
  needed?: string;
  provided?: string;
  /** "slackline" when the outbound pacer refused the call before it reached Slack. */
  source?: string;
  detail?: string;
}

/** Slack's error code for a WebClient failure: the API's own code, "ratelimited", or a transport code. */
export function slackErrorOf(err: unknown): SlackErrorInfo {
  if (err instanceof PacedError)
    return { error: "ratelimited", retry_after: err.retryAfterSeconds, source: "slackline" };
  const e = err as Partial<WebAPICallError> & { message?: string };
  switch (e.code) {
    case ErrorCode.PlatformError: {
      const data = (e as { data?: { error?: unknown; needed?: unknown; provided?: unknown } }).data ?? {};
      const info: SlackErrorInfo = { error: String(data.error ?? "unknown_error") };
      if (typeof data.needed === "string") info.needed = data.needed;
      if (typeof data.provided === "string") info.provided = data.provided;
      return info;
    }
    case ErrorCode.RateLimitedError:
      return { error: "ratelimited", retry_after: (e as { retryAfter?: number }).retryAfter };
    case ErrorCode.HTTPError:
      return { error: `http_${(e as { statusCode?: number }).statusCode ?? "error"}` };
    case ErrorCode.RequestError:
      return { error: "request_failed", detail: (e as { original?: Error }).original?.message ?? e.message };
    default:
      return { error: "internal_error", detail: e.message ?? String(err) };
  }
}

/** A Slack failure as an isError result that names Slack's error code. */
export function slackFailure(
  method: string,
  err: unknown,
  extra: Record<string, unknown> = {},
): CallToolResult {
  const { error, ...rest } = slackErrorOf(err);
  let hint = rest.retry_after !== undefined ? ` (retry after ${rest.retry_after} s)` : "";
  if (rest.source === "slackline") hint += ", paced by Slackline before reaching Slack";
  if (rest.needed) hint += `: the token needs the scope ${rest.needed} (it has ${rest.provided || "none"})`;
  const detail = rest.detail ? `: ${rest.detail}` : "";
  return failed(error, `Slack ${method} failed: ${error}${hint}${detail}`, { method, ...rest, ...extra });
}

/** Runs one Slack call for a tool; any failure becomes an isError result instead of a thrown error. */
export async function slackCall(method: string, run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (err) {
    return slackFailure(method, err);
  }
}
