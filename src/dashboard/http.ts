import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLargeError, readBodyAsync } from "../ingress/http/body.js";
import { HttpError } from "../ingress/http/http-error.js";

/**
 * Sent with every dashboard response. The page is built to need nothing inline: scripts and styles
 * come from the dashboard's own files only, and nothing may frame it.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  // Not "no-referrer": with it a browser sends "Origin: null" on its own form posts.
  "referrer-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

export { HttpError };

export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  type: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": type,
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

export const sendJson = (
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
) =>
  send(res, status, JSON.stringify(value), "application/json; charset=utf-8", {
    "cache-control": "no-store",
    ...headers,
  });

export const sendError = (
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
) => sendJson(res, status, { error: message }, headers);

export const sendText = (
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
) => send(res, status, `${text}\n`, "text/plain; charset=utf-8", { "cache-control": "no-store", ...headers });

export function redirect(
  res: ServerResponse,
  location: string,
  headers: Record<string, string> = {},
  status = 303,
): void {
  send(res, status, "", "text/plain; charset=utf-8", { location, "cache-control": "no-store", ...headers });
}

/** Headers for a response the dashboard streams itself (server-sent events). */
export const streamHeaders = (type: string): Record<string, string> => ({
  ...SECURITY_HEADERS,
  "content-type": type,
  "cache-control": "no-store",
});

/** The body, at most `limit` bytes (413 past it). */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  try {
    return (await readBodyAsync(req, limit)).toString("utf8");
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new HttpError(413, `body over ${limit} bytes`);
    throw err;
  }
}

/** A same-origin request: a browser's Origin, when it sends one, names the Host it sent. */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host.toLowerCase() === (req.headers.host ?? "").toLowerCase();
  } catch {
    return false;
  }
}
