/**
 * Everything this plugin takes from Slackline, in one place. Inside the Slackline repository it points
 * at the sources; in your own package replace the two lines with:
 *
 *   export { QueueClosedError, dlqTopic } from "slackline";
 *   export type { ConsumeOptions, DeadLetter, Delivery, Env, Envelope, QueueBackend, QueueBackendFactory, QueueStats } from "slackline";
 */
export type { Env } from "../../../src/config/env.js";
export type { Envelope } from "../../../src/envelope/envelope.js";
export {
  type ConsumeOptions,
  type DeadLetter,
  type Delivery,
  dlqTopic,
  type QueueBackend,
  type QueueBackendFactory,
  QueueClosedError,
  type QueueStats,
} from "../../../src/queue/types.js";
