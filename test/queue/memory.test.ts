import { MemoryQueue } from "../../src/queue/backends/memory.js";
import { publishOnceContract, queueBackendContract } from "../../src/testing/contract.js";

queueBackendContract({ name: "memory", create: () => new MemoryQueue() });
publishOnceContract({ name: "memory", create: () => new MemoryQueue() });
