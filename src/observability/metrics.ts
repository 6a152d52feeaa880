import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { QueueBackend } from "../queue/types.js";

/** Why ingress turned a request away; also the `reason` label of rejected requests. */
export type RejectReason =
  | "method"
  | "not_found"
  | "content_type"
  | "too_large"
  | "signature_missing"
  | "signature_stale"
  | "signature_mismatch"
  | "malformed";

/**
 * Every Slackline metric, on a registry of its own (no global state: two servers in one process,
 * as in tests, do not collide).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "slackline_requests_total",
    help: "Slack requests by outcome (accepted, duplicate, rejected, unavailable, url_verification, ssl_check) and reject reason",
    labelNames: ["outcome", "reason"] as const,
    registers: [this.registry],
  });
  readonly publishFailures = new Counter({
    name: "slackline_publish_failures_total",
    help: "Publishes to the queue that failed (answered 503 so Slack retries)",
    registers: [this.registry],
  });
  readonly ackSeconds = new Histogram({
    name: "slackline_ack_seconds",
    help: "Time from receiving a Slack request to answering it",
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly connections = new Gauge({
    name: "slackline_connections",
    help: "HTTP connections open, by listener (slack, ops)",
    labelNames: ["listener"] as const,
    registers: [this.registry],
  });
  readonly connectionsRefused = new Counter({
    name: "slackline_connections_refused_total",
    help: "HTTP connections refused at once because the listener had HTTP_MAX_CONNECTIONS open",
    labelNames: ["listener"] as const,
    registers: [this.registry],
  });
  readonly connectionsShed = new Counter({
    name: "slackline_connections_shed_total",
    help: "HTTP connections that had sent no complete request, closed near HTTP_MAX_CONNECTIONS to make room",
    labelNames: ["listener"] as const,
    registers: [this.registry],
  });
  readonly handlerSeconds = new Histogram({
    name: "slackline_handler_seconds",
    help: "Handler run time by route and outcome (ok, error, timeout)",
    labelNames: ["route", "outcome"] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });
  readonly responderSeconds = new Histogram({
    name: "slackline_responder_seconds",
    help: "Inline responder run time by route and outcome (ok, error, timeout: the latter two got Slack the fallback answer)",
    labelNames: ["route", "outcome"] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: "slackline_deliveries_total",
    help: "Queue deliveries settled by the worker, by result (acked, retried, dead_lettered, skipped_processed)",
    labelNames: ["group", "result"] as const,
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: "slackline_retries_total",
    help: "Deliveries handed back for a retry because a handler failed",
    labelNames: ["group"] as const,
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: "slackline_dead_letters_total",
    help: "Deliveries moved to the dead-letter queue after their last attempt",
    labelNames: ["group"] as const,
    registers: [this.registry],
  });
  readonly unrouted = new Counter({
    name: "slackline_unrouted_total",
    help: "Deliveries no route matched (and no onUnknown caught): acked with nothing run, by event type",
    labelNames: ["type"] as const,
    registers: [this.registry],
  });
  /** Each worker's count of deliveries taken and not yet settled, read when the gauge is read. */
  private readonly inFlightSources = new Map<string, Set<() => number>>();
  readonly inFlight = new Gauge({
    name: "slackline_in_flight",
    help: "Deliveries the workers of this process have taken and not yet settled, by group",
    labelNames: ["group"] as const,
    registers: [this.registry],
    collect: () => {
      this.inFlight.reset();
      for (const [group, sources] of this.inFlightSources) {
        let n = 0;
        for (const read of sources) n += read();
        this.inFlight.set({ group }, n);
      }
    },
  });

  /**
   * A worker reports its in-flight count by a function read at scrape time (nothing per delivery).
   * Returns the function that stops it.
   */
  trackInFlight(group: string, read: () => number): () => void {
    let sources = this.inFlightSources.get(group);
    if (!sources) {
      sources = new Set();
      this.inFlightSources.set(group, sources);
    }
    sources.add(read);
    return () => {
      sources.delete(read);
      if (sources.size === 0 && this.inFlightSources.get(group) === sources)
        this.inFlightSources.delete(group);
    };
  }

  readonly socketConnected = new Gauge({
    name: "slackline_socket_connected",
    help: "Socket Mode connections open now (SLACK_SOCKET_CONNECTIONS are wanted)",
    registers: [this.registry],
  });
  readonly socketReconnects = new Counter({
    name: "slackline_socket_reconnects_total",
    help: "Socket Mode connections lost and reopened, by reason (Slack's disconnect reason: refresh_requested, link_disabled, warning; or connection_lost)",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly socketEnvelopes = new Counter({
    name: "slackline_socket_envelopes_total",
    help: "Socket Mode envelopes by type (events_api, interactive, slash_commands, other) and outcome (accepted, duplicate, answered: acked; unavailable, not_taken: not acked, so Slack redelivers; rejected: malformed, acked)",
    labelNames: ["type", "outcome"] as const,
    registers: [this.registry],
  });
  readonly socketAckSeconds = new Histogram({
    name: "slackline_socket_ack_seconds",
    help: "Time from receiving a Socket Mode envelope to sending its ack",
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly socketAckFailures = new Counter({
    name: "slackline_socket_ack_failures_total",
    help: "Acks that could not be sent because the connection closed first (Slack redelivers; the dedup absorbs it)",
    registers: [this.registry],
  });

  /** Queue depth and oldest-message age per group, read from the backend at scrape time. */
  watchQueue(backend: QueueBackend, topic: string, groups: readonly string[]): void {
    const read = async (group: string) => backend.stats(topic, group).catch(() => null);
    new Gauge({
      name: "slackline_queue_depth",
      help: "Messages the group has not acked yet (ready, delayed or in flight)",
      labelNames: ["topic", "group"] as const,
      registers: [this.registry],
      async collect() {
        for (const group of groups) {
          const stats = await read(group);
          if (stats) this.set({ topic, group }, stats.depth);
        }
      },
    });
    new Gauge({
      name: "slackline_queue_oldest_age_seconds",
      help: "Age of the oldest message the group has not acked yet (0 when empty)",
      labelNames: ["topic", "group"] as const,
      registers: [this.registry],
      async collect() {
        for (const group of groups) {
          const stats = await read(group);
          if (stats) this.set({ topic, group }, (stats.oldestAgeMs ?? 0) / 1000);
        }
      },
    });
  }
}
