import { LRUCache } from "lru-cache";
import type { ClaimResult, DedupStore } from "./types.js";

type State = "pending" | "done";

/** Bounded LRU with per-key TTL, for one process. The oldest keys are evicted past `max`. */
export class MemoryDedupStore implements DedupStore {
  readonly name = "memory";
  private readonly cache: LRUCache<string, State>;

  constructor(options: { max?: number } = {}) {
    this.cache = new LRUCache<string, State>({ max: options.max ?? 100_000, ttlAutopurge: false });
  }

  async claim(key: string, pendingTtlSeconds: number): Promise<ClaimResult> {
    const state = this.cache.get(key);
    if (state === "done") return "duplicate";
    if (state === "pending") return "in_flight";
    this.cache.set(key, "pending", { ttl: pendingTtlSeconds * 1000 });
    return "claimed";
  }

  async confirm(key: string, ttlSeconds: number): Promise<void> {
    this.cache.set(key, "done", { ttl: ttlSeconds * 1000 });
  }

  async release(key: string): Promise<void> {
    if (this.cache.get(key) === "pending") this.cache.delete(key);
  }

  async mark(key: string, ttlSeconds: number): Promise<void> {
    this.cache.set(key, "done", { ttl: ttlSeconds * 1000 });
  }

  async markMany(keys: readonly string[], ttlSeconds: number): Promise<void> {
    for (const key of keys) this.cache.set(key, "done", { ttl: ttlSeconds * 1000 });
  }

  async marked(keys: readonly string[]): Promise<Set<string>> {
    return new Set(keys.filter((k) => this.cache.get(k) === "done"));
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.cache.clear();
  }
}
