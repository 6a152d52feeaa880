import { DEFAULT_DEDUP_TTL_SECONDS } from "../../../dedup/types.js";
import type { Env } from "../../types.js";

export interface NatsOptions {
  /** One URL or a comma-separated list (a cluster). */
  servers: string[];
  /** Prefix of every stream and subject this backend creates. */
  prefix: string;
  /** JetStream's Nats-Msg-Id window: the second dedup layer and the publishOnce() window. */
  duplicateWindowSeconds: number;
  /** How long the topic stream keeps messages (acked or not); 0 keeps them until the disk limit. */
  maxAgeSeconds: number;
  replicas: number;
  /** A publish that gets no PubAck within this fails, so ingress answers 503. */
  publishTimeoutMs: number;
  /** Per group: leased plus nak-delayed messages before the server stops delivering. */
  maxAckPending: number;
}

const int = (value: string | undefined, fallback: number, name: string): number => {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
};

export function natsOptionsFromEnv(env: Env): NatsOptions {
  const dedupTtl = int(env.DEDUP_TTL_SECONDS, DEFAULT_DEDUP_TTL_SECONDS, "DEDUP_TTL_SECONDS");
  return {
    servers: (env.NATS_URL ?? "nats://127.0.0.1:4222")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    prefix: env.NATS_STREAM_PREFIX?.trim() || "slackline",
    duplicateWindowSeconds: int(env.NATS_DUPLICATE_WINDOW_SECONDS, dedupTtl, "NATS_DUPLICATE_WINDOW_SECONDS"),
    maxAgeSeconds: int(env.NATS_MAX_AGE_SECONDS, 7 * 24 * 3600, "NATS_MAX_AGE_SECONDS"),
    replicas: Math.max(1, int(env.NATS_REPLICAS, 1, "NATS_REPLICAS")),
    publishTimeoutMs: Math.max(100, int(env.NATS_PUBLISH_TIMEOUT_MS, 2000, "NATS_PUBLISH_TIMEOUT_MS")),
    maxAckPending: Math.max(1, int(env.NATS_MAX_ACK_PENDING, 20_000, "NATS_MAX_ACK_PENDING")),
  };
}
