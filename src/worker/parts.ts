import type { WebClient } from "@slack/web-api";
import type { DedupStore } from "../dedup/types.js";
import type { Router } from "../handlers/router.js";
import type { FlowObserver } from "../observability/flow.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { BackoffOptions } from "./backoff.js";
import { HandlerInvoker } from "./invoke.js";
import { LeaseKeeper } from "./leases.js";
import type { RouteLock } from "./locks.js";
import { MarkerWriter } from "./markers.js";
import { DeliveryProcessor, type ProcessorProgress } from "./processor.js";
import { Settler } from "./settle.js";
import { UnroutedEvents } from "./unrouted.js";

/** What processing deliveries needs, whoever takes them from the queue (the Worker, an SQS Lambda). */
export interface ProcessingOptions {
  group: string;
  router: Router;
  markers: DedupStore;
  metrics: Metrics;
  logger: Logger;
  client?: WebClient | undefined;
  handlerTimeoutMs: number;
  maxAttempts: number;
  backoff: BackoffOptions;
  leaseMs: number;
  processedTtlSeconds: number;
  locks?: Readonly<Record<string, RouteLock>> | undefined;
  observer?: FlowObserver | undefined;
  /** Level of the one line logged per event type that no route matched (default debug). */
  unroutedLogLevel?: "info" | "debug" | undefined;
}

/** The processor of deliveries and the parts a caller controls: the invoker (abort) and the lease keeper. */
export function processingParts(
  o: ProcessingOptions,
  progress: ProcessorProgress,
): { processor: DeliveryProcessor; invoker: HandlerInvoker; leases: LeaseKeeper } {
  const leases = new LeaseKeeper(o.leaseMs);
  const invoker = new HandlerInvoker({
    handlerTimeoutMs: o.handlerTimeoutMs,
    client: o.client,
    logger: o.logger,
    metrics: o.metrics,
  });
  const markerWriter = new MarkerWriter(o.markers, o.processedTtlSeconds, (keys, err) => {
    o.logger.warn(
      { markers: keys, err },
      "processed-markers not written: a redelivery of these events would run their handlers again",
    );
  });
  const settler = new Settler({
    group: o.group,
    maxAttempts: o.maxAttempts,
    backoff: o.backoff,
    metrics: o.metrics,
    logger: o.logger,
    observer: o.observer,
  });
  const processor = new DeliveryProcessor(
    {
      group: o.group,
      router: o.router,
      markers: o.markers,
      markerWriter,
      invoker,
      settler,
      leases,
      locks: o.locks,
      logger: o.logger,
      unrouted: new UnroutedEvents(o.metrics, o.logger, o.unroutedLogLevel ?? "debug"),
    },
    progress,
  );
  return { processor, invoker, leases };
}
