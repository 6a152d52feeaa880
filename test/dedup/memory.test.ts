import { MemoryDedupStore } from "../../src/dedup/memory.js";
import { dedupStoreContract } from "../../src/testing/contract.js";

dedupStoreContract({ name: "memory", create: () => new MemoryDedupStore() });
