import type { DedupStoreFactory } from "./registry.js";

// Placeholder until the nats dedup store lands.
export const natsDedupFactory: DedupStoreFactory = {
  name: "nats",
  fromEnv: () => {
    throw new Error("the nats dedup store is not built yet");
  },
};
