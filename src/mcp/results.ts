import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { ErrorCode, type WebAPICallError } from "@slack/web-api";

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

/** Slack's error code for a WebClient failure: the API's own code, "ratelimited", or a transport code. */
export function slackErrorOf(err: unknown): { error: string; retry_after?: number; detail?: string } {
  const e = err as Partial<WebAPICallError> & { message?: string };
  switch (e.code) {
    case ErrorCode.PlatformError:
      return { error: String((e as { data?: { error?: unknown } }).data?.error ?? "unknown_error") };
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
  const hint = rest.retry_after !== undefined ? ` (retry after ${rest.retry_after} s)` : "";
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
