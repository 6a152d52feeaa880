import type { IncomingMessage, ServerResponse } from "node:http";
import { canSeeFile } from "./methods/files.js";
import type { Workspace } from "./workspace.js";

const MAX_UPLOAD = 20 * 1024 * 1024;

function answer(res: ServerResponse, status: number, text: string, type = "text/plain"): true {
  res.writeHead(status, { "content-type": type }).end(text);
  return true;
}

async function readAll(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_UPLOAD) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The file's bytes: the one part of a multipart form (what WebClient sends), else the raw body. */
async function uploadedBytes(req: IncomingMessage, body: Buffer): Promise<Buffer> {
  const type = req.headers["content-type"] ?? "";
  if (!type.toLowerCase().startsWith("multipart/form-data")) return body;
  const form = await new Response(new Uint8Array(body), { headers: { "content-type": type } }).formData();
  for (const value of form.values()) {
    if (typeof value !== "string") return Buffer.from(await value.arrayBuffer());
  }
  const first = form.values().next().value;
  return Buffer.from(typeof first === "string" ? first : "");
}

/**
 * The URLs beside the Web API: `/upload/v1/<file id>` takes a file's content (the upload_url of
 * files.getUploadURLExternal) and `/files-pri/<team>-<file id>/<name>` serves it to a token that may
 * see it. Without one, Slack answers its sign-in page (HTML, status 200), and so does the fake.
 * Returns false for any other path.
 */
export async function handleFileRoute(
  ws: Workspace,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  const upload = /^\/upload\/v1\/(F[A-Z0-9]+)$/.exec(path);
  if (upload) {
    if (req.method !== "POST") return answer(res, 405, "method not allowed");
    const file = ws.files.find(upload[1]!);
    const body = await readAll(req);
    if (!file || file.completed) return answer(res, 404, "unknown upload");
    if (body === null) return answer(res, 413, "too large");
    ws.files.receive(file.id, await uploadedBytes(req, body));
    return answer(res, 200, `OK - ${file.size}`);
  }
  const download = /^\/files-pri\/[A-Z0-9]+-(F[A-Z0-9]+)\/[^/]+$/.exec(path);
  if (!download) return false;
  const file = ws.files.find(download[1]!);
  if (!file?.completed || file.content === null) return answer(res, 404, "file not found");
  const header = req.headers.authorization;
  const caller = header?.startsWith("Bearer ") ? ws.caller(header.slice(7).trim()) : undefined;
  if (!caller || !canSeeFile(ws, file.id, caller.user_id)) {
    const page =
      "<!DOCTYPE html><html><head><title>Sign in | Slack</title></head><body>Sign in</body></html>";
    return answer(res, 200, page, "text/html; charset=utf-8");
  }
  res.writeHead(200, { "content-type": file.mimetype, "content-length": file.content.length });
  res.end(file.content);
  return true;
}
