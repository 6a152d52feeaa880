import { jetstream } from "@nats-io/jetstream";
import { type KV, type KvEntry, Kvm } from "@nats-io/kv";
import { Empty, type Msg } from "@nats-io/transport-node";
import type { Env } from "../config/env.js";
import { NatsLink } from "../queue/backends/nats/connection.js";
import { isWrongLastSequence, NatsUnavailableError } from "../queue/backends/nats/errors.js";
import { parsePubAck } from "../queue/backends/nats/publisher.js";
import { Replies } from "../queue/backends/nats/replies.js";
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

/** KV keys allow [-/_=.A-Za-z0-9]; dedup keys hold ":" and anything else, so encode them. */
const kvKey = (key: string): string => Buffer.from(key).toString("base64url");

const encode = (s: Value["s"], ttlSeconds: number): Uint8Array =>
  encoder.encode(JSON.stringify({ s, ttl: ttlSeconds } satisfies Value));

/** The live state of a value written at `createdMs`, or null when unreadable or past its own TTL. */
function liveValue(data: Uint8Array, createdMs: number, now: number): Value | null {
  let value: Value;
  try {
    value = JSON.parse(decoder.decode(data)) as Value;
  } catch {
    return null;
  }
  // nats-server < 2.11 has no per-message TTL, so each value carries its own, measured from the
  // server's timestamp of the revision (one clock for every gateway).
  return createdMs + value.ttl * 1000 > now ? value : null;
}

function live(entry: KvEntry | null, now: number): Value | null {
  if (entry?.operation !== "PUT") return null;
  return liveValue(entry.value, entry.created.getTime(), now);
}

/** A direct-get reply (the last message of a key's subject): done and live, or not. */
function isLiveDone(reply: Msg, now: number): boolean {
  const h = reply.headers;
  if (h?.code !== 0) return false; // 404: no such key
  const op = h.last("KV-Operation");
  if (op === "DEL" || op === "PURGE") return false;
  const created = Date.parse(h.last("Nats-Time-Stamp"));
  return liveValue(reply.data, created, now)?.s === "d";
}

export function natsDedupOptionsFromEnv(env: Env): NatsDedupOptions {
  const dedupTtl = Number(env.DEDUP_TTL_SECONDS ?? DEFAULT_DEDUP_TTL_SECONDS) || DEFAULT_DEDUP_TTL_SECONDS;
  const maxAge =
    Number(env.NATS_DEDUP_MAX_AGE_SECONDS ?? WORKER_MARKER_TTL_SECONDS) || WORKER_MARKER_TTL_SECONDS;
  return {
    servers: (env.NATS_URL ?? "nats://127.0.0.1:4222").split(",").map((s) => s.trim()),
    bucket: env.NATS_DEDUP_BUCKET?.trim() || "slackline_dedup",
    // Long enough for the worker's processed-markers as well as ingress claims.
    maxAgeSeconds: Math.max(dedupTtl, maxAge),
    replicas: Math.max(1, Number(env.NATS_REPLICAS ?? 1) || 1),
    timeoutMs: 2000,
  };
}

/**
 * DedupStore on a JetStream KV bucket: create() takes an absent key, update() with the revision
 * takes an expired one, so exactly one of racing claimers wins. A worker's processed-markers go
 * straight to the bucket's subjects: the lookups of a batch are direct gets and the marks of a turn
 * are publishes, each sent at once and answered together, one promise for the lot.
 */
export class NatsDedupStore implements DedupStore {
  readonly name = "nats";
  private kv: Promise<KV> | null = null;

  private constructor(
    private readonly link: NatsLink,
    private readonly replies: Replies,
    private readonly options: NatsDedupOptions,
    /** False when the store runs on a queue backend's connection, which closing the store leaves open. */
    private readonly ownsLink: boolean,
  ) {}

  static async connect(options: NatsDedupOptions): Promise<NatsDedupStore> {
    const link = await NatsLink.open(options.servers, "slackline-dedup");
    try {
      const store = new NatsDedupStore(link, new Replies(link.nc, options.timeoutMs), options, true);
      await store.bucket();
      return store;
    } catch (err) {
      await link.close();
      throw err;
    }
  }

  /** A store on another component's connection: the bucket is made on first use. */
  static onConnection(link: NatsLink, replies: Replies, options: NatsDedupOptions): NatsDedupStore {
    return new NatsDedupStore(link, replies, options, false);
  }

  static fromEnv(env: Env): Promise<NatsDedupStore> {
    return NatsDedupStore.connect(natsDedupOptionsFromEnv(env));
  }

  /** The bucket, made (or opened) once; a failed attempt is forgotten so the next call tries again. */
  private bucket(): Promise<KV> {
    if (!this.kv) {
      const { bucket, maxAgeSeconds, replicas, timeoutMs } = this.options;
      const kvm = new Kvm(jetstream(this.link.nc, { timeout: timeoutMs }));
      const kv = kvm.create(bucket, { history: 1, ttl: maxAgeSeconds * 1000, replicas });
      kv.catch(() => {
        if (this.kv === kv) this.kv = null;
      });
      this.kv = kv;
    }
    return this.kv;
  }

  private subject(key: string): string {
    return `$KV.${this.options.bucket}.${kvKey(key)}`;
  }

  async claim(key: string, pendingTtlSeconds: number): Promise<ClaimResult> {
    const kv = await this.bucket();
    const k = kvKey(key);
    const pending = encode("p", pendingTtlSeconds);
    // Each lap loses a race to another claimer, releaser or expiry; a few laps settle it.
    for (let lap = 0; lap < 5; lap++) {
      try {
        await kv.create(k, pending);
        return "claimed";
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
      }
      const entry = await kv.get(k);
      if (!entry) continue;
      const value = live(entry, Date.now());
      if (value) return value.s === "d" ? "duplicate" : "in_flight";
      try {
        await kv.update(k, pending, entry.revision);
        return "claimed";
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
      }
    }
    return "in_flight";
  }

  async confirm(key: string, ttlSeconds: number): Promise<void> {
    await this.markMany([key], ttlSeconds);
  }

  async release(key: string): Promise<void> {
    const kv = await this.bucket();
    const k = kvKey(key);
    const entry = await kv.get(k);
    if (live(entry, Date.now())?.s !== "p") return;
    // Only that pending revision: a confirm that landed meanwhile stays.
    await kv.delete(k, { previousSeq: entry!.revision }).catch((err: unknown) => {
      if (!isWrongLastSequence(err)) throw err;
    });
  }

  async mark(key: string, ttlSeconds: number): Promise<void> {
    await this.markMany([key], ttlSeconds);
  }

  /** One KV put per key, all sent at once; resolves once every PubAck came back. */
  async markMany(keys: readonly string[], ttlSeconds: number): Promise<void> {
    if (keys.length === 0) return;
    await this.bucket();
    const value = encode("d", ttlSeconds);
    await new Promise<void>((resolve, reject) => {
      let left = keys.length;
      let failed = false;
      for (const key of keys) {
        this.replies.send(this.subject(key), value, undefined, (err, reply) => {
          if (failed) return;
          try {
            if (err) throw err;
            parsePubAck(reply!.data);
          } catch (failure) {
            failed = true;
            return reject(failure);
          }
          if (--left === 0) resolve();
        });
      }
    });
  }

  /** One direct get per key (the last revision of its subject), all sent at once. */
  async marked(keys: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    if (keys.length === 0) return found;
    const kv = await this.bucket();
    // A bucket made without direct gets (by an older client) is read the slow way.
    if (!(kv as unknown as { direct?: boolean }).direct) return this.markedOneByOne(kv, keys);
    const prefix = `$JS.API.DIRECT.GET.KV_${this.options.bucket}.`;
    const now = Date.now();
    return new Promise<Set<string>>((resolve, reject) => {
      let left = keys.length;
      let failed = false;
      for (const key of keys) {
        this.replies.send(prefix + this.subject(key), Empty, undefined, (err, reply) => {
          if (failed) return;
          if (err) {
            failed = true;
            return reject(err);
          }
          const code = reply!.headers?.code ?? 0;
          if (code !== 0 && code !== 404) {
            failed = true;
            return reject(
              new Error(`NATS direct get of a marker failed: ${code} ${reply!.headers?.description}`),
            );
          }
          if (isLiveDone(reply!, now)) found.add(key);
          if (--left === 0) resolve(found);
        });
      }
    });
  }

  private async markedOneByOne(kv: KV, keys: readonly string[]): Promise<Set<string>> {
    const entries = await Promise.all(keys.map((key) => kv.get(kvKey(key))));
    const now = Date.now();
    return new Set(keys.filter((_, i) => live(entries[i] ?? null, now)?.s === "d"));
  }

  /** A round trip to the server (a dedup store that cannot answer is a start-up error and not ready). */
  async ping(): Promise<void> {
    if (!this.link.connected) throw new NatsUnavailableError();
    await this.link.nc.flush();
  }

  async close(): Promise<void> {
    if (!this.ownsLink) return;
    this.replies.close();
    await this.link.close();
  }
}

export const natsDedupFactory: DedupStoreFactory = {
  name: "nats",
  fromEnv: (env) => NatsDedupStore.fromEnv(env),
};
