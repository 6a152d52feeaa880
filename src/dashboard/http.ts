import type { IncomingMessage, ServerResponse } from "node:http";

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

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

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
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new HttpError(413, `body over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `body over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString("utf8");
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
