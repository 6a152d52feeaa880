import { JetStreamApiCodes, JetStreamApiError, jetstream } from "@nats-io/jetstream";
import { type KV, type KvEntry, Kvm } from "@nats-io/kv";
import type { Env } from "../config/env.js";
import { NatsLink, NatsUnavailableError } from "../queue/backends/nats/connection.js";
import type { DedupStoreFactory } from "./types.js";
import { type ClaimResult, DEFAULT_DEDUP_TTL_SECONDS, type DedupStore } from "./types.js";

export interface NatsDedupOptions {
  servers: string[];
  bucket: string;
  /** The bucket's max age: nothing outlives it, whatever TTL a key asked for. */
  maxAgeSeconds: number;
  replicas: number;
  timeoutMs: number;
}

/** What a key holds: its state and how long it lives from its revision's server timestamp. */
interface Value {
  s: "p" | "d";
  ttl: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const WORKER_MARKER_TTL_SECONDS = 7 * 24 * 3600;

const isWrongSequence = (err: unknown): boolean =>
  err instanceof JetStreamApiError &&
  (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
    err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

/** KV keys allow [-/_=.A-Za-z0-9]; dedup keys hold ":" and anything else, so encode them. */
const kvKey = (key: string): string => Buffer.from(key).toString("base64url");

const encode = (s: Value["s"], ttlSeconds: number): Uint8Array =>
  encoder.encode(JSON.stringify({ s, ttl: ttlSeconds } satisfies Value));

/** The live state of an entry, or null when absent, deleted or past its own TTL. */
function live(entry: KvEntry | null, now: number): Value | null {
  if (entry?.operation !== "PUT") return null;
  let value: Value;
  try {
    value = JSON.parse(decoder.decode(entry.value)) as Value;
  } catch {
    return null;
  }
  // nats-server < 2.11 has no per-message TTL, so each value carries its own, measured from the
  // server's timestamp of the revision (one clock for every gateway).
  return entry.created.getTime() + value.ttl * 1000 > now ? value : null;
}

/**
 * DedupStore on a JetStream KV bucket: create() takes an absent key, update() with the revision
 * takes an expired one, so exactly one of racing claimers wins.
 */
export class NatsDedupStore implements DedupStore {
  readonly name = "nats";

  private constructor(
    private readonly link: NatsLink,
    private readonly kv: KV,
  ) {}

  static async connect(options: NatsDedupOptions): Promise<NatsDedupStore> {
    const link = await NatsLink.open(options.servers, "slackline-dedup");
    try {
      const kvm = new Kvm(jetstream(link.nc, { timeout: options.timeoutMs }));
      const kv = await kvm.create(options.bucket, {
        history: 1,
        ttl: options.maxAgeSeconds * 1000,
        replicas: options.replicas,
      });
      return new NatsDedupStore(link, kv);
    } catch (err) {
      await link.close();
      throw err;
    }
  }

  static fromEnv(env: Env): Promise<NatsDedupStore> {
    const dedupTtl = Number(env.DEDUP_TTL_SECONDS ?? DEFAULT_DEDUP_TTL_SECONDS) || DEFAULT_DEDUP_TTL_SECONDS;
    const maxAge =
      Number(env.NATS_DEDUP_MAX_AGE_SECONDS ?? WORKER_MARKER_TTL_SECONDS) || WORKER_MARKER_TTL_SECONDS;
    return NatsDedupStore.connect({
      servers: (env.NATS_URL ?? "nats://127.0.0.1:4222").split(",").map((s) => s.trim()),
      bucket: env.NATS_DEDUP_BUCKET?.trim() || "slackline_dedup",
      // Long enough for the worker's processed-markers as well as ingress claims.
      maxAgeSeconds: Math.max(dedupTtl, maxAge),
      replicas: Math.max(1, Number(env.NATS_REPLICAS ?? 1) || 1),
      timeoutMs: 2000,
    });
  }

  async claim(key: string, pendingTtlSeconds: number): Promise<ClaimResult> {
    const k = kvKey(key);
    const pending = encode("p", pendingTtlSeconds);
    // Each lap loses a race to another claimer, releaser or expiry; a few laps settle it.
    for (let lap = 0; lap < 5; lap++) {
      try {
        await this.kv.create(k, pending);
        return "claimed";
      } catch (err) {
        if (!isWrongSequence(err)) throw err;
      }
      const entry = await this.kv.get(k);
      if (!entry) continue;
      const value = live(entry, Date.now());
      if (value) return value.s === "d" ? "duplicate" : "in_flight";
      try {
        await this.kv.update(k, pending, entry.revision);
        return "claimed";
      } catch (err) {
        if (!isWrongSequence(err)) throw err;
      }
    }
    return "in_flight";
  }

  async confirm(key: string, ttlSeconds: number): Promise<void> {
    await this.kv.put(kvKey(key), encode("d", ttlSeconds));
  }

  async release(key: string): Promise<void> {
    const k = kvKey(key);
    const entry = await this.kv.get(k);
    if (live(entry, Date.now())?.s !== "p") return;
    // Only that pending revision: a confirm that landed meanwhile stays.
    await this.kv.delete(k, { previousSeq: entry!.revision }).catch((err: unknown) => {
      if (!isWrongSequence(err)) throw err;
    });
  }

  async mark(key: string, ttlSeconds: number): Promise<void> {
    await this.kv.put(kvKey(key), encode("d", ttlSeconds));
  }

  async markMany(keys: readonly string[], ttlSeconds: number): Promise<void> {
    await Promise.all(keys.map((key) => this.mark(key, ttlSeconds)));
  }

  async marked(keys: readonly string[]): Promise<Set<string>> {
    const entries = await Promise.all(keys.map((key) => this.kv.get(kvKey(key))));
    const now = Date.now();
    return new Set(keys.filter((_, i) => live(entries[i] ?? null, now)?.s === "d"));
  }

  /** A round trip to the server (a dedup store that cannot answer is a start-up error and not ready). */
  async ping(): Promise<void> {
    if (!this.link.connected) throw new NatsUnavailableError();
    await this.link.nc.flush();
  }

  async close(): Promise<void> {
    await this.link.close();
  }
}

export const natsDedupFactory: DedupStoreFactory = {
  name: "nats",
  fromEnv: (env) => NatsDedupStore.fromEnv(env),
};
