import type { QueueBackendFactory } from "../types.js";

// Placeholder until the slack backend lands.
export const slackBackend: QueueBackendFactory = {
  name: "slack",
  fromEnv: () => {
    throw new Error("the slack backend is not built yet");
  },
};
