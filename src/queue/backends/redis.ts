import type { QueueBackendFactory } from "../types.js";

// Placeholder until the redis backend lands.
export const redisBackend: QueueBackendFactory = {
  name: "redis",
  fromEnv: () => {
    throw new Error("the redis backend is not built yet");
  },
};
