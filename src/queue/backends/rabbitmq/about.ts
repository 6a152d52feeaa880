import type { BackendInfo } from "../../types.js";
import { DEFAULT_LEASE_MS } from "../../types.js";

export const rabbitmqInfo: BackendInfo = {
  name: "rabbitmq",
  description: "RabbitMQ quorum queues (AMQP_URL)",
  envVars: [
    "AMQP_URL",
    "SLACKLINE_GROUPS",
    "AMQP_DELIVERY_LIMIT",
    "AMQP_HEARTBEAT_SECONDS",
    "AMQP_PUBLISH_TIMEOUT_MS",
    "AMQP_CONNECTION_NAME",
  ],
  connectionVariable: "AMQP_URL",
  // RabbitMQ keeps no state gateways could share: Redis when there is one, else the host's SQLite file.
  defaultDedupStore: (env) => (env.REDIS_URL ? "redis" : "sqlite"),
  defaultLeaseMs: DEFAULT_LEASE_MS,
};
