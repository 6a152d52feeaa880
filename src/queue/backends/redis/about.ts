import type { BackendInfo } from "../../types.js";
import { DEFAULT_LEASE_MS } from "../../types.js";

export const redisInfo: BackendInfo = {
  name: "redis",
  description: "Redis Streams (REDIS_URL)",
  envVars: [
    "REDIS_URL",
    "REDIS_KEY_PREFIX",
    "REDIS_STREAM_MAXLEN",
    "REDIS_COMMAND_TIMEOUT_MS",
    "REDIS_DEAD_CONSUMER_IDLE_MS",
    "SLACKLINE_DATA_DIR",
  ],
  connectionVariable: "REDIS_URL",
  defaultDedupStore: () => "redis",
  defaultLeaseMs: DEFAULT_LEASE_MS,
};
