import type { QueueBackendFactory } from "../types.js";

// Placeholder until the nats backend lands.
export const natsBackend: QueueBackendFactory = {
  name: "nats",
  fromEnv: () => {
    throw new Error("the nats backend is not built yet");
  },
};
