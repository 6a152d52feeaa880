import type { Env } from "../../../config/env.js";
import { envInt } from "../../../config/env-int.js";

export interface RedisConfig {
  /** redis://[user:password@]host:port[/db] or rediss:// for TLS. */
  url: string;
  /** Prefix of every key this backend and RedisDedupStore touch. */
  keyPrefix: string;
  /** Trim a topic stream towards this many entries, never past what a group still needs; 0 never trims. */
  streamMaxLen: number;
  /** A command (publish, ack, ping) that gets no answer within this fails, so ingress answers 503. */
  commandTimeoutMs: number;
  /** Where the persistent consumer id lives (`SLACKLINE_DATA_DIR`). */
  dataDir: string;
  /** A consumer idle this long with nothing pending is removed from its group (XGROUP DELCONSUMER). */
  deadConsumerIdleMs: number;
}

export const REDIS_DEFAULTS = {
  url: "redis://127.0.0.1:6379",
  keyPrefix: "slackline:",
  streamMaxLen: 100_000,
  commandTimeoutMs: 2000,
  dataDir: ".slackline",
  deadConsumerIdleMs: 3_600_000,
} as const satisfies RedisConfig;

export function redisConfigFromEnv(env: Env): RedisConfig {
  return {
    url: env.REDIS_URL?.trim() || REDIS_DEFAULTS.url,
    keyPrefix: env.REDIS_KEY_PREFIX ?? REDIS_DEFAULTS.keyPrefix,
    streamMaxLen: envInt(env.REDIS_STREAM_MAXLEN, REDIS_DEFAULTS.streamMaxLen, "REDIS_STREAM_MAXLEN"),
    commandTimeoutMs: Math.max(
      50,
      envInt(env.REDIS_COMMAND_TIMEOUT_MS, REDIS_DEFAULTS.commandTimeoutMs, "REDIS_COMMAND_TIMEOUT_MS"),
    ),
    dataDir: env.SLACKLINE_DATA_DIR?.trim() || REDIS_DEFAULTS.dataDir,
    deadConsumerIdleMs: envInt(
      env.REDIS_DEAD_CONSUMER_IDLE_MS,
      REDIS_DEFAULTS.deadConsumerIdleMs,
      "REDIS_DEAD_CONSUMER_IDLE_MS",
    ),
  };
}

/** Every key name in one place: docs/redis.md describes this layout for other programs. */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** The topic's stream: one entry per published message (and per retry / replay addressed to one group). */
  stream(topic: string): string {
    return `${this.prefix}stream:${topic}`;
  }

  /** Dead letters of a topic: the stream of topic `<topic>.dlq`. */
  deadLetters(topic: string): string {
    return this.stream(`${topic}.dlq`);
  }

  /** Delayed retries of one group: a sorted set scored by due time (epoch ms). */
  delayed(topic: string, group: string): string {
    return `${this.prefix}delayed:${topic}:${group}`;
  }

  /** Dedup markers, shared by publishOnce() and RedisDedupStore. */
  dedup(key: string): string {
    return `${this.prefix}dedup:${key}`;
  }

  /** The workers' processed-markers: one sorted set, each marker scored by its expiry (ms since the epoch). */
  markers(): string {
    return `${this.prefix}markers`;
  }
}

/** A TTL in seconds as Redis's PX milliseconds: at least 1 (PX 0 is an error). */
export function ttlMs(seconds: number): number {
  return Math.max(1, Math.round(seconds * 1000));
}
