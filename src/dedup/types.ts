import type { Env } from "../config/env.js";

/**
 * Ingress dedup of Slack's retries, and the worker's processed-markers.
 *
 * A claim starts `pending` (short TTL) and becomes `done` once the publish is durable, so a process
 * that dies between claim and publish does not make Slack's next retry look like a duplicate.
 */
export type ClaimResult = "claimed" | "duplicate" | "in_flight";

export interface DedupStore {
  readonly name: string;
  /** Atomically: absent (or expired) -> pending for `pendingTtlSeconds`, "claimed"; done -> "duplicate"; pending -> "in_flight". */
  claim(key: string, pendingTtlSeconds: number): Promise<ClaimResult>;
  /** The publish is durable: the key is done for `ttlSeconds`. */
  confirm(key: string, ttlSeconds: number): Promise<void>;
  /** The publish failed: forget the claim so Slack's retry is accepted. */
  release(key: string): Promise<void>;
  /** Mark a key done (worker processed-markers), whatever its state. */
  mark(key: string, ttlSeconds: number): Promise<void>;
  /** Optional: mark many keys done in one step (a worker's markers of one event-loop turn). */
  markMany?(keys: readonly string[], ttlSeconds: number): Promise<void>;
  /** The subset of `keys` that are done. */
  marked(keys: readonly string[]): Promise<ReadonlySet<string>>;
  /**
   * Optional: rejects (with why) when the store cannot be reached. Checked at start-up (an unreachable
   * store is a start-up error) and by /readyz. A store without it counts as reachable.
   */
  ping?(): Promise<void>;
  /** Optional: a start-up warning when the store keeps nothing across a restart of its server. */
  persistenceWarning?(): Promise<string | null>;
  close(): Promise<void>;
}

/** What a built-in store module exports. */
export interface DedupStoreFactory {
  name: string;
  fromEnv(env: Env): DedupStore | Promise<DedupStore>;
}

/** What a lookup that finds nothing answers: one shared empty set (callers only read it). */
export const NONE_MARKED: ReadonlySet<string> = new Set();

export const DEFAULT_DEDUP_TTL_SECONDS = 3600;
/** Long enough for one publish to the slowest backend; short enough that Slack's first retry (~1 min) is accepted after a crash. */
export const PENDING_CLAIM_TTL_SECONDS = 10;
