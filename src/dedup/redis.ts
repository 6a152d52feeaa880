import type { Redis } from "ioredis";
import type { Env } from "../config/env.js";
import { SlacklineError } from "../errors.js";
import { REDIS_DEFAULTS, RedisKeys, redisConfigFromEnv, ttlMs } from "../queue/backends/redis/config.js";
import {
  closeClient,
  commandClient,
  connect,
  connectionProblem,
  redactUrl,
} from "../queue/backends/redis/connection.js";
import { volatileRedisWarning } from "../queue/backends/redis/persistence.js";
import { DEDUP_CLAIM, DEDUP_RELEASE } from "../queue/backends/redis/scripts.js";
import { TurnBatcher } from "../queue/turn-batcher.js";
import type { DedupStoreFactory } from "./types.js";
import { type ClaimResult, type DedupStore, NONE_MARKED } from "./types.js";

export interface RedisDedupOptions {
  url?: string;
  keyPrefix?: string;
  commandTimeoutMs?: number;
  /** Use this connection instead of opening one (it is not closed by close()). */
  client?: Redis;
}

type Scripted = Redis & {
  sl_dedupClaim(key: string, ttlMs: number): Promise<ClaimResult>;
  sl_dedupRelease(key: string): Promise<number>;
};

/** How often a store drops markers that expired (lookups ignore them anyway; this only frees memory). */
const TRIM_EVERY_MS = 10_000;
/** Markers are dropped this long after their expiry, so a client whose clock runs ahead drops none early. */
const TRIM_GRACE_MS = 60_000;

const PENDING = "pending";
const DONE = "done";

/**
 * Dedup markers in Redis: `<prefix>dedup:<key>` holds "pending" (a claim whose publish is not yet
 * confirmed, short TTL) or "done" (TTL of the dedup window). The Redis queue's publishOnce() writes
 * the same keys, so gateways on either path agree on what was published.
 */
export class RedisDedupStore implements DedupStore {
  readonly name = "redis";
  private readonly client: Scripted;
  private readonly owned: boolean;
  private readonly url: string;
  private readonly keys: RedisKeys;
  private readonly markersKey: string;
  private nextTrim = 0;
  private readonly markBatch: TurnBatcher<[string, number], undefined>;
  private readonly lookupBatch: TurnBatcher<readonly string[], ReadonlySet<string>>;

  constructor(options: RedisDedupOptions = {}) {
    this.keys = new RedisKeys(options.keyPrefix ?? REDIS_DEFAULTS.keyPrefix);
    this.owned = !options.client;
    this.url = options.url ?? REDIS_DEFAULTS.url;
    const client =
      options.client ??
      commandClient(this.url, {
        commandTimeoutMs: options.commandTimeoutMs ?? REDIS_DEFAULTS.commandTimeoutMs,
        connectionName: "slackline-dedup",
        // One ZMSCORE and one ZADD per turn (below); claims are one command per request.
        batchedByCaller: ["zmscore", "zadd", "zremrangebyscore"],
      });
    client.defineCommand("sl_dedupClaim", { numberOfKeys: 1, lua: DEDUP_CLAIM });
    client.defineCommand("sl_dedupRelease", { numberOfKeys: 1, lua: DEDUP_RELEASE });
    this.client = client as Scripted;
    this.markersKey = this.keys.markers();
    // A worker marks and looks up many deliveries at once: one native command per turn for each
    // (a script looping over SETs costs Redis about four times as much per marker).
    this.markBatch = new TurnBatcher(async (marks: Array<[string, number]>) => {
      const byTtl = new Map<number, string[]>();
      for (const [key, ttl] of marks) {
        const keys = byTtl.get(ttl);
        if (keys) keys.push(key);
        else byTtl.set(ttl, [key]);
      }
      await Promise.all([...byTtl].map(([ttl, keys]) => this.zaddMarkers(keys, ttl)));
      return new Array<undefined>(marks.length);
    });
    this.lookupBatch = new TurnBatcher(async (lookups: Array<readonly string[]>) => {
      const all: string[] = [];
      for (const keys of lookups) for (const key of keys) all.push(key);
      const expiries = (await this.client.zmscore(this.markersKey, ...all)) as Array<string | null>;
      const now = Date.now();
      let at = 0;
      return lookups.map((keys) => {
        let found: Set<string> | undefined;
        for (const key of keys) {
          const expiry = expiries[at++];
          if (expiry === null || expiry === undefined || Number(expiry) <= now) continue;
          found ??= new Set();
          found.add(key);
        }
        return found ?? NONE_MARKED;
      });
    });
  }

  static async open(options: RedisDedupOptions = {}): Promise<RedisDedupStore> {
    const store = new RedisDedupStore(options);
    await connect(store.client);
    return store;
  }

  async claim(key: string, pendingTtlSeconds: number): Promise<ClaimResult> {
    return this.client.sl_dedupClaim(this.keys.dedup(key), ttlMs(pendingTtlSeconds));
  }

  async confirm(key: string, ttlSeconds: number): Promise<void> {
    await this.client.set(this.keys.dedup(key), DONE, "PX", ttlMs(ttlSeconds));
  }

  /** Compare-and-delete: a confirmed key (or someone else's newer claim made done) is left alone. */
  async release(key: string): Promise<void> {
    await this.client.sl_dedupRelease(this.keys.dedup(key));
  }

  /** Processed-markers live in their own sorted set, not in the claims' keys (see docs/redis.md). */
  mark(key: string, ttlSeconds: number): Promise<void> {
    return this.markBatch.add([key, ttlMs(ttlSeconds)]);
  }

  /** One ZADD; a worker hands over its markers of one turn here. */
  markMany(keys: readonly string[], ttlSeconds: number): Promise<void> {
    return keys.length === 0 ? Promise.resolve() : this.zaddMarkers(keys, ttlMs(ttlSeconds));
  }

  /** Adds markers that all expire `expiresInMs` from now; now and then drops expired ones. */
  private async zaddMarkers(keys: readonly string[], expiresInMs: number): Promise<void> {
    const now = Date.now();
    const expiry = String(now + expiresInMs);
    const args: string[] = new Array(keys.length * 2);
    for (let i = 0; i < keys.length; i++) {
      args[2 * i] = expiry;
      args[2 * i + 1] = keys[i]!;
    }
    await this.client.zadd(this.markersKey, ...args);
    if (now >= this.nextTrim) {
      this.nextTrim = now + TRIM_EVERY_MS;
      void this.dropExpiredMarkers().catch(() => {});
    }
  }

  /** The keys of every caller in this turn go in one ZMSCORE; a marker past its expiry is not done. */
  marked(keys: readonly string[]): Promise<ReadonlySet<string>> {
    return keys.length === 0 ? Promise.resolve(NONE_MARKED) : this.lookupBatch.add(keys);
  }

  /**
   * Removes markers that expired more than `graceMs` ago (lookups already ignore every expired one;
   * this frees their memory). Runs by itself every few seconds while markers are written. Resolves
   * with how many were removed.
   */
  async dropExpiredMarkers(graceMs = TRIM_GRACE_MS): Promise<number> {
    return this.client.zremrangebyscore(this.markersKey, "-inf", `(${Date.now() - graceMs}`);
  }

  /** Rejects with why (its address, the connection's last error) when Redis does not answer. */
  async ping(): Promise<void> {
    try {
      await this.client.ping();
    } catch (err) {
      const why = connectionProblem(this.client) ?? (err as Error).message;
      throw new SlacklineError("SLACKLINE_BACKEND_UNREACHABLE", `redis at ${redactUrl(this.url)}: ${why}`, {
        cause: err,
      });
    }
  }

  /** The queue says it for a store on its own connection; a store of its own says it here. */
  async persistenceWarning(): Promise<string | null> {
    if (!this.owned) return null;
    return volatileRedisWarning(
      this.client,
      this.url,
      "the dedup keys (Slack's retries of events already queued are queued again) and the processed-markers (redelivered events run their handlers again)",
    );
  }

  async close(): Promise<void> {
    // Marks and lookups waiting for this turn's command go out before the connection does.
    this.markBatch.flush();
    this.lookupBatch.flush();
    if (this.owned) await closeClient(this.client);
  }
}

/** Values a dedup key can hold, for docs and other programs. */
export const DEDUP_VALUES = { pending: PENDING, done: DONE } as const;

export const redisDedupFactory: DedupStoreFactory = {
  name: "redis",
  fromEnv: (env: Env) => {
    const config = redisConfigFromEnv(env);
    return RedisDedupStore.open({
      url: config.url,
      keyPrefix: config.keyPrefix,
      commandTimeoutMs: config.commandTimeoutMs,
    });
  },
};
