import type { QueueBackendFactory } from "../types.js";

// Placeholder until the rabbitmq backend lands.
export const rabbitmqBackend: QueueBackendFactory = {
  name: "rabbitmq",
  fromEnv: () => {
    throw new Error("the rabbitmq backend is not built yet");
  },
};
