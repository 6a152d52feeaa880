import type { DedupStoreFactory } from "./registry.js";

// Placeholder until the redis dedup store lands.
export const redisDedupFactory: DedupStoreFactory = {
  name: "redis",
  fromEnv: () => {
    throw new Error("the redis dedup store is not built yet");
  },
};
