import { typeOf } from "../dashboard/describe.js";
import type { Envelope } from "../envelope/envelope.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";

/** Distinct types given a label of their own; the rest are counted as "other". */
const MAX_TYPES = 200;

/**
 * Deliveries that no route matched and no onUnknown caught: acked with nothing run, which looks
 * like success. Each is counted in `slackline_unrouted_total{type}`, and the first of each type is
 * logged (at info with `--dev`, where a developer wonders why nothing ran; at debug otherwise).
 */
export class UnroutedEvents {
  private readonly counters = new Map<string, { inc(): void }>();

  constructor(
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly level: "info" | "debug",
  ) {}

  hit(envelope: Envelope): void {
    const type = typeOf(envelope);
    let counter = this.counters.get(type);
    if (!counter) {
      const label = this.counters.size < MAX_TYPES ? type : "other";
      counter = this.metrics.unrouted.labels(label);
      this.counters.set(type, counter);
      if (label !== "other" && this.logger.isLevelEnabled(this.level)) {
        this.logger[this.level](
          { type, id: envelope.id },
          `no route matched ${type}: it was acked and nothing ran (add router.on("${type}", ...) or router.onUnknown(...); logged once per type)`,
        );
      }
    }
    counter.inc();
  }
}
