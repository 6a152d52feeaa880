/** How many calls a minute the fake accepts before it answers 429 with Retry-After, as Slack does. */
export interface RateLimitConfig {
  /** Across every method. */
  perMinute?: number;
  /** Per method, e.g. `{ "chat.postMessage": { perMinute: 1 } }`. */
  methods?: Record<string, { perMinute: number }>;
  /** Retry-After to report; by default, the seconds until the window has room again. */
  retryAfterSeconds?: number;
}

interface Forced {
  remaining: number;
  method?: string;
  retryAfter: number;
}

const WINDOW_MS = 60_000;

/** Sliding one-minute windows, plus "the next n calls are limited" for tests of the 429 path. */
export class RateLimiter {
  private readonly windows = new Map<string, number[]>();
  private forced: Forced[] = [];

  constructor(private config: RateLimitConfig = {}) {}

  configure(config: RateLimitConfig): void {
    this.config = config;
    this.windows.clear();
  }

  force(count: number, options: { method?: string; retryAfter?: number } = {}): void {
    this.forced.push({ remaining: count, method: options.method, retryAfter: options.retryAfter ?? 1 });
  }

  /** Seconds to wait when the call is limited (and it is not counted), else null (and it is counted). */
  check(method: string, now = Date.now()): number | null {
    const forced = this.forced.find((f) => f.method === undefined || f.method === method);
    if (forced) {
      forced.remaining -= 1;
      if (forced.remaining <= 0) this.forced = this.forced.filter((f) => f !== forced);
      return forced.retryAfter;
    }
    const limits: [string, number][] = [];
    if (this.config.perMinute !== undefined) limits.push(["*", this.config.perMinute]);
    const perMethod = this.config.methods?.[method];
    if (perMethod) limits.push([method, perMethod.perMinute]);
    let wait = 0;
    for (const [key, limit] of limits) {
      const calls = this.window(key, now);
      if (calls.length >= limit) wait = Math.max(wait, (calls[0] ?? now) + WINDOW_MS - now);
    }
    if (wait > 0) return this.config.retryAfterSeconds ?? Math.max(1, Math.ceil(wait / 1000));
    for (const [key] of limits) this.window(key, now).push(now);
    return null;
  }

  private window(key: string, now: number): number[] {
    let calls = this.windows.get(key);
    if (!calls) {
      calls = [];
      this.windows.set(key, calls);
    }
    while (calls.length > 0 && calls[0]! <= now - WINDOW_MS) calls.shift();
    return calls;
  }
}
