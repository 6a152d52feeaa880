import type { IncomingMessage } from "node:http";
import { SlacklineError } from "../../errors.js";

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface BodyCallbacks {
  /** The whole body, at most `maxBytes` long. */
  done(body: Buffer): void;
  /** The body passed `maxBytes` (or said it would): nothing more is read or buffered. */
  tooLarge(): void;
  /** The request broke off before its end. */
  failed(err: Error): void;
}

/**
 * Reads a request body up to a limit, with callbacks rather than a promise: on the ingress hot path a
 * body costs its chunks and nothing else. A declared Content-Length over the limit fails at once.
 */
export function readBody(req: IncomingMessage, maxBytes: number, callbacks: BodyCallbacks): void {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) {
    req.resume();
    callbacks.tooLarge();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    if (size > maxBytes) return;
    size += chunk.length;
    if (size > maxBytes) callbacks.tooLarge();
    else chunks.push(chunk);
  });
  req.on("end", () => {
    if (size > maxBytes) return;
    callbacks.done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  });
  req.on("error", (err) => callbacks.failed(err));
}

export class BodyTooLargeError extends SlacklineError {
  constructor(maxBytes: number) {
    super("SLACKLINE_BODY_TOO_LARGE", `request body over ${maxBytes} bytes`);
  }
}

/** readBody() as a promise, for routes off the hot path (MCP): rejects with BodyTooLargeError past the limit. */
export function readBodyAsync(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    readBody(req, maxBytes, {
      done: resolve,
      tooLarge: () => reject(new BodyTooLargeError(maxBytes)),
      failed: reject,
    }),
  );
}
