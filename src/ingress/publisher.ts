import { ConfigError } from "../config/config-error.js";
import type { DedupStore } from "../dedup/types.js";
import { PENDING_CLAIM_TTL_SECONDS } from "../dedup/types.js";
import type { Envelope } from "../envelope/envelope.js";
import { SlacklineError } from "../errors.js";
import type { QueueBackend } from "../queue/types.js";

export type PublishOutcome = "published" | "duplicate";

/** Another process holds a pending claim for this id: its publish has not confirmed yet. */
export class InFlightElsewhereError extends SlacklineError {
  constructor(id: string) {
    super("SLACKLINE_PUBLISH_IN_FLIGHT", `event ${id} is being published by another gateway`);
  }
}

/**
 * Publishes each envelope once per dedup window. Resolves only once the envelope is durable (or known
 * to be a duplicate of one that is); rejects when it is not, so ingress can answer 503.
 */
export class IngressPublisher {
  /** Publishes in flight in this process, so a concurrent copy waits for the outcome of the first. */
  private readonly inFlight = new Map<string, Promise<PublishOutcome>>();

  constructor(
    private readonly backend: QueueBackend,
    private readonly topic: string,
    private readonly dedupTtlSeconds: number,
    /** null: the backend dedups atomically itself (publishOnce). */
    private readonly dedup: DedupStore | null,
  ) {
    if (!dedup && !backend.publishOnce)
      throw new ConfigError(`${backend.name} has no publishOnce(): a dedup store is required`);
  }

  publish(envelope: Envelope): Promise<PublishOutcome> {
    // publishOnce is atomic in the backend: concurrent copies need no coordination here.
    if (!this.dedup) return this.publishOnce(envelope);
    const running = this.inFlight.get(envelope.id);
    if (running) return running.then(() => "duplicate");
    const attempt = this.claimAndPublish(envelope, this.dedup);
    this.inFlight.set(envelope.id, attempt);
    const forget = () => this.inFlight.delete(envelope.id);
    attempt.then(forget, forget);
    return attempt;
  }

  private publishOnce(envelope: Envelope): Promise<PublishOutcome> {
    let publishing: Promise<string | null>;
    try {
      publishing = this.backend.publishOnce!(this.topic, envelope, this.dedupTtlSeconds);
    } catch (err) {
      // A plugin whose publishOnce throws instead of rejecting still gets its 503, not a crash.
      return Promise.reject(err);
    }
    return publishing.then((id) => (id === null ? "duplicate" : "published"));
  }

  private async claimAndPublish(envelope: Envelope, dedup: DedupStore): Promise<PublishOutcome> {
    const claim = await dedup.claim(envelope.id, PENDING_CLAIM_TTL_SECONDS);
    if (claim === "duplicate") return "duplicate";
    if (claim === "in_flight") throw new InFlightElsewhereError(envelope.id);
    try {
      await this.backend.publish(this.topic, envelope);
    } catch (err) {
      await dedup.release(envelope.id).catch(() => {});
      throw err;
    }
    // The event is durable; a failed confirm only means a later retry could publish it again,
    // which the worker's processed-markers absorb.
    await dedup.confirm(envelope.id, this.dedupTtlSeconds).catch(() => {});
    return "published";
  }
}
