import type { BackendInfo } from "../../types.js";
import { DEFAULT_LEASE_MS } from "../../types.js";

export const sqliteInfo: BackendInfo = {
  name: "sqlite",
  description: "embedded SQLite file, durable, one host (default)",
  envVars: ["SLACKLINE_DATA_DIR", "SQLITE_PATH", "SQLITE_SYNCHRONOUS"],
  connectionVariable: "SLACKLINE_DATA_DIR",
  defaultDedupStore: () => "sqlite",
  defaultLeaseMs: DEFAULT_LEASE_MS,
};
