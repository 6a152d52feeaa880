import { MemoryDedupStore } from "./memory.js";
import type { DedupStoreFactory } from "./types.js";

export const memoryDedupFactory: DedupStoreFactory = {
  name: "memory",
  fromEnv: (env) => new MemoryDedupStore({ max: Number(env.DEDUP_MEMORY_MAX ?? 100_000) }),
};
