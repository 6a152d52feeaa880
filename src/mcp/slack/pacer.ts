import { SlacklineError } from "../../errors.js";
import { type RateLimits, tierOf } from "./tiers.js";

/**
 * A token bucket: `capacity` calls at once, refilled at `perMinute`. take() reserves the next token
 * and says how long to wait for it, so concurrent callers queue in arrival order.
 */
export class TokenBucket {
  private tokens: number;
  private updated: number;
  private readonly perMs: number;

  constructor(
    perMinute: number,
    private readonly capacity: number,
    now = Date.now(),
  ) {
    this.perMs = perMinute / 60_000;
    this.tokens = capacity;
    this.updated = now;
  }

  /** Ms until the reserved token is due (0: now). Reserves nothing when that exceeds `maxWaitMs`. */
  take(maxWaitMs: number, now = Date.now()): number {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.updated) * this.perMs);
    this.updated = now;
    const wait = this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.perMs);
    if (wait > maxWaitMs) return wait;
    this.tokens -= 1;
    return wait;
  }
}

/** Thrown instead of waiting longer than the pacer allows: the tool answers `ratelimited` at once. */
export class PacedError extends SlacklineError {
  constructor(
    readonly method: string,
    readonly retryAfterSeconds: number,
  ) {
    super(
      "SLACKLINE_MCP_PACED",
      `${method} is paced to its Slack rate-limit tier: retry after ${retryAfterSeconds} s`,
    );
  }
}

/** How long a call may wait for its turn before it is refused. */
export const MAX_PACING_WAIT_MS = 10_000;

/**
 * Outbound pacing: one bucket per method (Slack counts per method), sized by the method's tier and
 * holding a quarter-minute's burst; chat.postMessage gets one bucket per channel (one a second).
 */
export class TierPacer {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly limits: RateLimits,
    private readonly maxWaitMs = MAX_PACING_WAIT_MS,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Ms this call waits (0 at once), or a PacedError when it would wait longer than allowed. */
  reserve(method: string, channel?: string, now = Date.now()): number {
    const tier = tierOf(method);
    const key = tier === "post" && channel ? `${method}:${channel}` : method;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const perMinute = this.limits[tier];
      bucket = new TokenBucket(perMinute, Math.max(1, Math.ceil(perMinute / 4)), now);
      this.buckets.set(key, bucket);
    }
    const wait = bucket.take(this.maxWaitMs, now);
    if (wait > this.maxWaitMs) throw new PacedError(method, Math.ceil(wait / 1000));
    return wait;
  }

  async acquire(method: string, channel?: string): Promise<void> {
    const wait = this.reserve(method, channel);
    if (wait > 0) await this.sleep(wait);
  }
}
