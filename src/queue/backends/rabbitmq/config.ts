import type { Env } from "../../../config/env.js";
import { envInt } from "../../../config/env-int.js";

export interface RabbitOptions {
  url: string;
  /** Shown by `rabbitmqctl list_connections` (client_properties.connection_name). */
  connectionName: string;
  /** Groups whose queues the publisher declares before its first publish to a topic. */
  groups: string[];
  /** Deliveries of one message (x-delivery-count) before the broker dead-letters it itself. */
  deliveryLimit: number;
  /** A publish not confirmed within this fails, so ingress answers 503 (before Slack's 3 s timeout). */
  publishTimeoutMs: number;
  /** Seconds between AMQP heartbeats: a dead broker or network is noticed within about two. */
  heartbeatSeconds: number;
}

export function rabbitOptionsFromEnv(env: Env): RabbitOptions {
  return {
    url: env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672",
    connectionName: env.AMQP_CONNECTION_NAME?.trim() || "slackline",
    groups: (env.SLACKLINE_GROUPS ?? "default,mcp")
      .split(",")
      .map((g) => g.trim())
      .filter(Boolean),
    deliveryLimit: envInt(env.AMQP_DELIVERY_LIMIT, 20, "AMQP_DELIVERY_LIMIT", 1),
    publishTimeoutMs: envInt(env.AMQP_PUBLISH_TIMEOUT_MS, 2000, "AMQP_PUBLISH_TIMEOUT_MS", 1),
    heartbeatSeconds: envInt(env.AMQP_HEARTBEAT_SECONDS, 10, "AMQP_HEARTBEAT_SECONDS", 1),
  };
}
