import type { DedupStoreFactory } from "./registry.js";

// Placeholder until the sqlite dedup store lands.
export const sqliteDedupFactory: DedupStoreFactory = {
  name: "sqlite",
  fromEnv: () => {
    throw new Error("the sqlite dedup store is not built yet");
  },
};
