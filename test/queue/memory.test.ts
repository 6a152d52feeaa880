import { MemoryQueue } from "../../src/queue/backends/memory.js";
import { queueBackendContract } from "../../src/testing/contract.js";

queueBackendContract({ name: "memory", create: () => new MemoryQueue() });
