import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { BulkRequest, DeadLetterFilter, Lookup, SessionInfo, Snapshot } from "./api-types.js";
import type { DashboardAuth, Identity } from "./auth.js";
import type { DeadLetterIndex } from "./dead-letters.js";
import { HttpError, readBody, sameOrigin, sendError, sendJson } from "./http.js";
import type { RecentEvents } from "./recent-events.js";
import type { LiveStream } from "./stream.js";

export interface ApiParts {
  auth: DashboardAuth;
  deadLetters: DeadLetterIndex;
  recent: RecentEvents;
  stream: LiveStream;
  snapshot: () => Snapshot;
  /** A replay or purge happened (logged by the dashboard). */
  onBulk: (action: "replay" | "purge", request: BulkRequest, count: number) => void;
}

const MAX_BODY = 1024 * 1024;
const MAX_PAGE = 200;

const filterSchema = z.strictObject({
  type: z.string().max(200).optional(),
  group: z.string().max(200).optional(),
  text: z.string().max(500).optional(),
  since: z.number().optional(),
  until: z.number().optional(),
});

const bulkSchema = z
  .strictObject({
    ids: z.array(z.string().max(200)).min(1).max(100_000).optional(),
    filter: filterSchema.optional(),
  })
  .refine((b) => (b.ids === undefined) !== (b.filter === undefined), "give either ids or a filter");

const int = (value: string | null, fallback: number, max = Number.MAX_SAFE_INTEGER) => {
  const n = value === null ? Number.NaN : Number(value);
  return Number.isInteger(n) && n >= 0 ? Math.min(n, max) : fallback;
};

/** A filter from query parameters; times are ms since the epoch. */
export function filterFromQuery(q: URLSearchParams): DeadLetterFilter {
  const filter: DeadLetterFilter = {};
  for (const key of ["type", "group", "text"] as const) {
    const v = q.get(key)?.trim();
    if (v) filter[key] = v;
  }
  for (const key of ["since", "until"] as const) {
    const v = Number(q.get(key) ?? Number.NaN);
    if (q.get(key) && Number.isFinite(v)) filter[key] = v;
  }
  return filter;
}

/** A POST that changes something: same origin, JSON (so a cross-site form cannot send it), CSRF token. */
async function mutation(req: IncomingMessage, identity: Identity, auth: DashboardAuth): Promise<unknown> {
  if (!sameOrigin(req)) throw new HttpError(403, "cross-origin request refused");
  if (!auth.csrfValid(req, identity)) throw new HttpError(403, "missing or wrong CSRF token");
  if (!/^application\/json\b/i.test(req.headers["content-type"] ?? ""))
    throw new HttpError(415, "expected application/json");
  try {
    return JSON.parse(await readBody(req, MAX_BODY));
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, "the body is not JSON");
  }
}

/** /dashboard/api/<route>, for an identity already known to be allowed. */
export async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  route: string,
  query: URLSearchParams,
  identity: Identity,
  parts: ApiParts,
): Promise<void> {
  const { auth, deadLetters, recent } = parts;
  const method = req.method ?? "GET";
  const key = `${method} ${route}`;
  switch (key) {
    case "GET session": {
      const info: SessionInfo = {
        csrf: auth.csrfFor(identity),
        auth: identity.ok ? identity.via : "open",
        tokenRequired: auth.required,
      };
      return sendJson(res, 200, info);
    }
    case "GET snapshot":
      return sendJson(res, 200, parts.snapshot());
    case "GET stream":
      return parts.stream.open(req, res);
    case "GET dead-letters": {
      const offset = int(query.get("offset"), 0);
      const limit = int(query.get("limit"), 50, MAX_PAGE) || 50;
      return sendJson(res, 200, await deadLetters.page(filterFromQuery(query), offset, limit));
    }
    case "GET dead-letter": {
      const detail = await deadLetters.detail(query.get("id") ?? "");
      return detail ? sendJson(res, 200, detail) : sendError(res, 404, "no such dead letter");
    }
    case "POST dead-letters/replay":
    case "POST dead-letters/purge": {
      const parsed = bulkSchema.safeParse(await mutation(req, identity, auth));
      if (!parsed.success) return sendError(res, 400, parsed.error.issues.map((i) => i.message).join("; "));
      const request = parsed.data as BulkRequest;
      const action = route.endsWith("replay") ? "replay" : "purge";
      const result = await (action === "replay" ? deadLetters.replay(request) : deadLetters.purge(request));
      parts.onBulk(action, request, result.count);
      return sendJson(res, 200, result);
    }
    case "GET recent":
      return sendJson(res, 200, recent.list(int(query.get("limit"), 50, MAX_PAGE)));
    case "GET lookup": {
      const id = query.get("id")?.trim() ?? "";
      if (!id) return sendError(res, 400, "give ?id=<event_id>");
      const lookup: Lookup = { recent: recent.get(id), deadLetters: await deadLetters.byEventId(id) };
      return sendJson(res, 200, lookup);
    }
    default:
      if (
        ["session", "snapshot", "stream", "dead-letters", "dead-letter", "recent", "lookup"].includes(route)
      )
        return sendError(res, 405, "method not allowed", { allow: "GET" });
      if (route.startsWith("dead-letters/"))
        return sendError(res, 405, "method not allowed", { allow: "POST" });
      return sendError(res, 404, "no such API route");
  }
}
