import { ExampleQueue } from "./backend.js";
import type { QueueBackendFactory } from "./slackline.js";

/**
 * What Slackline loads: package.json says `"slackline": {"backends": {"example": "./dist/index.js"}}`,
 * and `QUEUE_BACKEND=example` (or this being the only plugin installed) makes Slackline import this
 * module and call `fromEnv(process.env)`. Export the factory as the default export.
 */
const factory: QueueBackendFactory = {
  name: "example",
  description: "example plugin: an in-process queue (a template, NOT durable)",
  fromEnv: (env) => new ExampleQueue({ defaultLeaseMs: Number(env.EXAMPLE_LEASE_MS) || 30_000 }),
};

export default factory;
export { ExampleQueue };
