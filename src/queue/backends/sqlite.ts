import type { QueueBackendFactory } from "../types.js";

// Placeholder until the sqlite backend lands.
export const sqliteBackend: QueueBackendFactory = {
  name: "sqlite",
  fromEnv: () => {
    throw new Error("the sqlite backend is not built yet");
  },
};
