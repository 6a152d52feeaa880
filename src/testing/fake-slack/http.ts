import type { IncomingMessage, ServerResponse } from "node:http";
import { Params } from "./params.js";

const MAX_BODY = 5 * 1024 * 1024;

export class BadRequest extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new BadRequest(413, "request_too_large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Arguments from the query string and a form or JSON body, as the Web API accepts them. */
export async function readParams(req: IncomingMessage, url: URL): Promise<Params> {
  const values: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const body = req.method === "POST" ? await readBody(req) : "";
  if (body !== "") {
    const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (type === "application/json") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        throw new BadRequest(200, "invalid_json");
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new BadRequest(200, "json_not_object");
      }
      Object.assign(values, parsed);
    } else if (type === "application/x-www-form-urlencoded" || type === "") {
      Object.assign(values, Object.fromEntries(new URLSearchParams(body)));
    } else {
      throw new BadRequest(200, "invalid_form_data");
    }
  }
  return new Params(values);
}

/** The token from `Authorization: Bearer`, else the `token` argument, as Slack accepts both. */
export function tokenOf(req: IncomingMessage, params: Params): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice(7).trim() || undefined;
  return params.string("token");
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
