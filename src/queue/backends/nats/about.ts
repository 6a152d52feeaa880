import type { BackendInfo } from "../../types.js";
import { DEFAULT_LEASE_MS } from "../../types.js";

export const natsInfo: BackendInfo = {
  name: "nats",
  description: "NATS JetStream (NATS_URL)",
  envVars: [
    "NATS_URL",
    "NATS_STREAM_PREFIX",
    "NATS_REPLICAS",
    "NATS_MAX_AGE_SECONDS",
    "NATS_MAX_ACK_PENDING",
    "NATS_DUPLICATE_WINDOW_SECONDS",
    "NATS_PUBLISH_TIMEOUT_MS",
    "DEDUP_TTL_SECONDS",
  ],
  connectionVariable: "NATS_URL",
  defaultDedupStore: () => "nats",
  defaultLeaseMs: DEFAULT_LEASE_MS,
};
