import { SlackApiError } from "./errors.js";
import { appMethods, methods } from "./methods/index.js";
import type { Params } from "./params.js";
import type { RateLimiter } from "./rate-limit.js";
import { missingScope, USER_TOKEN_ONLY } from "./scopes.js";
import type { FakeSlackCall } from "./types.js";
import type { Workspace } from "./workspace.js";

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

interface Injected {
  method: string;
  error: string;
  remaining: number;
}

/**
 * One Web API call, in Slack's order: rate limit, then auth, then the method. Every answer is
 * recorded in `calls` so tests can assert what a client did.
 */
export class Dispatcher {
  private injected: Injected[] = [];

  constructor(
    private readonly ws: Workspace,
    private readonly limiter: RateLimiter,
    readonly calls: FakeSlackCall[],
  ) {}

  /** The next `count` calls to `method` answer `{ ok: false, error }`. */
  failNext(method: string, error: string, count = 1): void {
    this.injected.push({ method, error, remaining: count });
  }

  call(method: string, params: Params, token: string | undefined): Answer {
    const caller = token === undefined ? undefined : this.ws.caller(token);
    const answer = this.answer(method, params, token);
    this.calls.push({
      method,
      args: params.toJSON(),
      user: caller?.user_id ?? null,
      status: answer.status,
      ok: answer.body.ok === true,
      ...(typeof answer.body.error === "string" ? { error: answer.body.error } : {}),
      at: Date.now(),
    });
    return answer;
  }

  private answer(method: string, params: Params, token: string | undefined): Answer {
    const retryAfter = this.limiter.check(method);
    if (retryAfter !== null) {
      return {
        status: 429,
        body: { ok: false, error: "ratelimited" },
        headers: { "retry-after": String(retryAfter) },
      };
    }
    if (method === "api.test") return { status: 200, body: { ok: true, args: params.toJSON() } };
    const appMethod = appMethods[method];
    if (appMethod) {
      if (token === undefined) return { status: 200, body: { ok: false, error: "not_authed" } };
      const app = this.ws.appTokens.get(token);
      // A bot or user token is a real token of the wrong kind; anything else is not a token at all.
      if (!app) {
        const error = this.ws.caller(token) ? "not_allowed_token_type" : "invalid_auth";
        return { status: 200, body: { ok: false, error } };
      }
      return this.injectedFailure(method) ?? this.run(() => appMethod({ ws: this.ws, app, params }));
    }
    const handler = methods[method];
    if (!handler) return { status: 200, body: { ok: false, error: "unknown_method", req_method: method } };
    if (token === undefined) return { status: 200, body: { ok: false, error: "not_authed" } };
    const caller = this.ws.caller(token);
    if (!caller) return { status: 200, body: { ok: false, error: "invalid_auth" } };
    if (caller.kind === "bot" && USER_TOKEN_ONLY.has(method))
      return { status: 200, body: { ok: false, error: "not_allowed_token_type" } };
    const needed = missingScope(method, caller.scopes, this.ws, params);
    if (needed !== undefined) {
      const provided = [...(caller.scopes ?? [])].join(",");
      return { status: 200, body: { ok: false, error: "missing_scope", needed, provided } };
    }
    return this.injectedFailure(method) ?? this.run(() => handler({ ws: this.ws, caller, params }));
  }

  /** A failure set up with failNext(), used up one call at a time. */
  private injectedFailure(method: string): Answer | null {
    const injected = this.injected.find((i) => i.method === method);
    if (!injected) return null;
    injected.remaining -= 1;
    if (injected.remaining <= 0) this.injected = this.injected.filter((i) => i !== injected);
    return { status: 200, body: { ok: false, error: injected.error } };
  }

  private run(method: () => Record<string, unknown>): Answer {
    try {
      return { status: 200, body: { ok: true, ...method() } };
    } catch (err) {
      if (err instanceof SlackApiError)
        return { status: 200, body: { ok: false, error: err.code, ...err.extra } };
      return { status: 500, body: { ok: false, error: "internal_error", detail: String(err) } };
    }
  }
}
