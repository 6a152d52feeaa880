import type { Env } from "../../../config/env.js";
import { envInt } from "../../../config/env-int.js";
import { DEFAULT_DEDUP_TTL_SECONDS } from "../../../dedup/types.js";

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

export function natsOptionsFromEnv(env: Env): NatsOptions {
  const dedupTtl = envInt(env.DEDUP_TTL_SECONDS, DEFAULT_DEDUP_TTL_SECONDS, "DEDUP_TTL_SECONDS");
  return {
    servers: (env.NATS_URL ?? "nats://127.0.0.1:4222")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    prefix: env.NATS_STREAM_PREFIX?.trim() || "slackline",
    duplicateWindowSeconds: envInt(
      env.NATS_DUPLICATE_WINDOW_SECONDS,
      dedupTtl,
      "NATS_DUPLICATE_WINDOW_SECONDS",
    ),
    maxAgeSeconds: envInt(env.NATS_MAX_AGE_SECONDS, 7 * 24 * 3600, "NATS_MAX_AGE_SECONDS"),
    replicas: Math.max(1, envInt(env.NATS_REPLICAS, 1, "NATS_REPLICAS")),
    publishTimeoutMs: Math.max(100, envInt(env.NATS_PUBLISH_TIMEOUT_MS, 2000, "NATS_PUBLISH_TIMEOUT_MS")),
    maxAckPending: Math.max(1, envInt(env.NATS_MAX_ACK_PENDING, 20_000, "NATS_MAX_ACK_PENDING")),
  };
}
