import type { FlowObserver } from "../../src/observability/flow.js";
import type { Delivery, QueueBackend } from "../../src/queue/types.js";

/**
 * The backend as a worker of `group` sees it, reporting each settlement to `flow`: until the worker
 * calls FlowObserver.settled() itself, this is how a test feeds the recent-events view from a real
 * worker. Routes are not known at this level (reported as none).
 */
export function observedBackend(backend: QueueBackend, flow: FlowObserver, group: string): QueueBackend {
  const observed = (d: Delivery): Delivery => ({
    id: d.id,
    topic: d.topic,
    message: d.message,
    attempt: d.attempt,
    ack: async () => {
      await d.ack();
      flow.settled?.(group, d.message, "acked", { attempt: d.attempt, routes: [] });
    },
    retry: async (delayMs, error) => {
      await d.retry(delayMs, error);
      flow.settled?.(group, d.message, "retried", {
        attempt: d.attempt,
        routes: [],
        ...(error ? { error } : {}),
      });
    },
    deadLetter: async (reason) => {
      await d.deadLetter(reason);
      flow.settled?.(group, d.message, "dead_lettered", { attempt: d.attempt, routes: [], error: reason });
    },
    extend: () => d.extend(),
  });
  return {
    name: backend.name,
    durable: backend.durable,
    publish: (topic, message) => backend.publish(topic, message),
    consume: (topic, options) => ({
      async *[Symbol.asyncIterator]() {
        for await (const d of backend.consume(topic, options)) yield observed(d);
      },
    }),
    listDeadLetters: (topic, options) => backend.listDeadLetters(topic, options),
    replayDeadLetters: (topic, options) => backend.replayDeadLetters(topic, options),
    purgeDeadLetters: (topic, options) => backend.purgeDeadLetters(topic, options),
    ping: () => backend.ping(),
    stats: (topic, g) => backend.stats(topic, g),
    close: () => backend.close(),
  };
}
