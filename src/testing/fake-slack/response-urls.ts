import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendJson } from "./http.js";

/** What was posted to one response_url. */
export interface FakeResponse {
  /** The id in the URL (`<fake>/response/<id>`). */
  id: string;
  /** The JSON body, as posted. */
  body: Record<string, unknown>;
  at: number;
}

/** Slack's limits on a response_url: 5 uses within 30 minutes. */
const MAX_USES = 5;
const LIFETIME_MS = 30 * 60_000;

/**
 * The fake's response_url endpoints: minted per payload, each accepting Slack's 5 posts within 30
 * minutes (then 404 `expired_url`, as Slack answers), recording what was posted; `failNext` makes the
 * next posts answer a status (500, 429 with Retry-After) so retries can be tested.
 */
export class FakeResponseUrls {
  readonly posted: FakeResponse[] = [];
  private readonly minted = new Map<string, { at: number; uses: number }>();
  private failures: Array<{ status: number; retryAfter?: number }> = [];

  constructor(private readonly now: () => number = Date.now) {}

  mint(): string {
    const id = randomUUID();
    this.minted.set(id, { at: this.now(), uses: 0 });
    return id;
  }

  failNext(status: number, count = 1, retryAfter?: number): void {
    for (let i = 0; i < count; i++)
      this.failures.push(retryAfter === undefined ? { status } : { status, retryAfter });
  }

  /** Serves `POST /response/<id>`. */
  async handle(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    if (req.method !== "POST") return sendJson(res, 405, { ok: false, error: "method_not_allowed" });
    const failure = this.failures.shift();
    if (failure) {
      const headers: Record<string, string> = failure.retryAfter
        ? { "retry-after": String(failure.retryAfter) }
        : {};
      return sendJson(res, failure.status, { ok: false, error: "fake_failure" }, headers);
    }
    const url = this.minted.get(id);
    if (!url || url.uses >= MAX_USES || this.now() - url.at > LIFETIME_MS)
      return sendJson(res, 404, { ok: false, error: "expired_url" });
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return sendJson(res, 400, { ok: false, error: "invalid_payload" });
    }
    if (typeof body !== "object" || body === null || Array.isArray(body))
      return sendJson(res, 400, { ok: false, error: "invalid_payload" });
    url.uses++;
    this.posted.push({ id, body: body as Record<string, unknown>, at: this.now() });
    sendJson(res, 200, { ok: true });
  }
}
