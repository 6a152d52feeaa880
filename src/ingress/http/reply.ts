import type { ServerResponse } from "node:http";
import type { IngressResult } from "../results.js";

const TEXT = "text/plain; charset=utf-8";

/** Writes an ingress result as the HTTP response. */
export function writeResult(res: ServerResponse, result: IngressResult): void {
  res.writeHead(result.status, result.headers);
  res.end(result.body);
}

/** A plain answer of the ops routes (health, readiness, metrics). */
export function writeText(res: ServerResponse, status: number, body: string, type = TEXT): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
  res.end(body);
}
