import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { ConfigError } from "../config/config-error.js";

export const SESSION_COOKIE = "slackline_dashboard";
export const CSRF_HEADER = "x-csrf-token";
/** A token shorter than this is refused at start: it would be guessable. */
export const MIN_TOKEN_LENGTH = 16;

export interface AuthOptions {
  /** SLACKLINE_DASHBOARD_TOKEN; without it the dashboard is open (allowed on loopback only). */
  token?: string | undefined;
  /** Default 12 hours. */
  sessionTtlMs?: number;
  /** Sessions kept at most (default 1000; the oldest go first). */
  maxSessions?: number;
  /** Failed logins per minute before login answers 429 for the rest of it (default 10). */
  maxFailuresPerMinute?: number;
  now?: () => number;
}

export type Identity =
  | { ok: true; via: "open" | "bearer" }
  | { ok: true; via: "cookie"; session: string }
  | { ok: false };

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Equal strings, compared in constant time (their hashes, so lengths leak nothing either). */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The cookies of a request, by name (first value wins). */
export function cookiesOf(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/**
 * Who may use the dashboard. With a token: a login form trades it for a session cookie (HttpOnly,
 * SameSite=Strict, path /dashboard), or a script sends it as `Authorization: Bearer`. Without one,
 * everyone who reaches the (loopback) port may. State-changing requests carry a CSRF token bound to
 * the session (or to this process, when open); a bearer request needs none, as no browser sends a
 * bearer header on its own.
 */
export class DashboardAuth {
  readonly required: boolean;
  private readonly token: string | undefined;
  private readonly sessions = new Map<string, number>();
  private readonly csrfKey = randomBytes(32);
  private readonly ttlMs: number;
  private readonly maxSessions: number;
  private readonly maxFailures: number;
  private readonly now: () => number;
  private failures: { minute: number; count: number } = { minute: 0, count: 0 };

  constructor(options: AuthOptions = {}) {
    const token = options.token?.trim() || undefined;
    if (token !== undefined && token.length < MIN_TOKEN_LENGTH)
      throw new ConfigError(
        `SLACKLINE_DASHBOARD_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters (try: openssl rand -hex 24)`,
      );
    this.token = token;
    this.required = token !== undefined;
    this.ttlMs = options.sessionTtlMs ?? 12 * 3600_000;
    this.maxSessions = options.maxSessions ?? 1000;
    this.maxFailures = options.maxFailuresPerMinute ?? 10;
    this.now = options.now ?? Date.now;
  }

  identify(req: IncomingMessage): Identity {
    if (!this.token) return { ok: true, via: "open" };
    const authorization = req.headers.authorization;
    if (authorization?.startsWith("Bearer ")) {
      return sameSecret(authorization.slice(7).trim(), this.token)
        ? { ok: true, via: "bearer" }
        : { ok: false };
    }
    const session = cookiesOf(req).get(SESSION_COOKIE);
    if (session && this.sessionValid(session)) return { ok: true, via: "cookie", session };
    return { ok: false };
  }

  private sessionValid(session: string): boolean {
    const expires = this.sessions.get(session);
    if (expires === undefined) return false;
    if (expires > this.now()) return true;
    this.sessions.delete(session);
    return false;
  }

  /** Too many failed logins this minute: refuse without looking at the token. */
  loginThrottled(): boolean {
    const minute = Math.floor(this.now() / 60_000);
    return this.failures.minute === minute && this.failures.count >= this.maxFailures;
  }

  /** A new session id for the right token, else null (and the failure counts towards the throttle). */
  login(given: string): string | null {
    if (!this.token) return null;
    if (!sameSecret(given, this.token)) {
      const minute = Math.floor(this.now() / 60_000);
      this.failures =
        this.failures.minute === minute ? { minute, count: this.failures.count + 1 } : { minute, count: 1 };
      return null;
    }
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const session = randomBytes(32).toString("base64url");
    this.sessions.set(session, this.now() + this.ttlMs);
    return session;
  }

  logout(session: string): void {
    this.sessions.delete(session);
  }

  get sessionTtlSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }

  /** The CSRF token of this identity: an HMAC of its session, or of "open" when no token is set. */
  csrfFor(identity: Identity): string {
    const subject = identity.ok && identity.via === "cookie" ? identity.session : "open";
    return createHmac("sha256", this.csrfKey).update(subject).digest("base64url");
  }

  /** A state-changing request is allowed: bearer, or the CSRF token of its identity in the header. */
  csrfValid(req: IncomingMessage, identity: Identity): boolean {
    if (!identity.ok) return false;
    if (identity.via === "bearer") return true;
    const given = req.headers[CSRF_HEADER];
    return typeof given === "string" && sameSecret(given, this.csrfFor(identity));
  }

  /** The Set-Cookie value of a session (Secure when the request came over TLS or via an HTTPS proxy). */
  sessionCookie(session: string, req: IncomingMessage): string {
    return `${SESSION_COOKIE}=${session}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=${this.sessionTtlSeconds}${secure(req)}`;
  }

  clearedCookie(req: IncomingMessage): string {
    return `${SESSION_COOKIE}=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0${secure(req)}`;
  }
}

const secure = (req: IncomingMessage) =>
  (req.socket as { encrypted?: boolean }).encrypted || req.headers["x-forwarded-proto"] === "https"
    ? "; Secure"
    : "";
