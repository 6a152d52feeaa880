import type { BackendInfo } from "../../types.js";
import { DEFAULT_LEASE_MS } from "../../types.js";

export const memoryInfo: BackendInfo = {
  name: "memory",
  description: "in-process, NOT durable (tests and development)",
  envVars: [],
  connectionVariable: "nothing (in-process)",
  defaultDedupStore: () => "memory",
  defaultLeaseMs: DEFAULT_LEASE_MS,
};
