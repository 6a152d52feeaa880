import { performance } from "node:perf_hooks";
import { SlacklineError } from "../errors.js";
import type { IngressCore } from "../ingress/core.js";
import type { ReadinessCheck } from "../ingress/http/ops.js";
import type { IngressResult } from "../ingress/results.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { ThrottledLog } from "../observability/throttled-log.js";
import { type ConnectionTimings, DEFAULT_TIMINGS, SocketConnection } from "./connection.js";
import {
  ackPayloadOf,
  type EnvelopeType,
  envelopeFromSocket,
  envelopeTypeOf,
  type SocketModeEvent,
} from "./envelope.js";

/** Slack allows at most 10 Socket Mode connections per app. */
export const MAX_CONNECTIONS = 10;

export interface SocketModeIngressOptions {
  core: IngressCore;
  /** An app-level token (xapp-...) with connections:write. */
  appToken: string;
  /** Web API base URL for apps.connections.open (SLACK_API_URL); undefined for Slack's own. */
  apiUrl?: string;
  /** Connections held open at once, 1..10 (default 1): Slack spreads envelopes across them. */
  connections?: number;
  metrics: Metrics;
  logger: Logger;
  timings?: Partial<ConnectionTimings>;
}

/** The socket metrics' outcomes: the core's, plus `not_taken` (arrived while stopping: not acked). */
type SocketOutcome = IngressResult["outcome"] | "not_taken";

/**
 * The Socket Mode adapter of the ingress core: each envelope from any connection goes through
 * `core.accept()` (dedup + durable publish, a responder's answer), and is acked only once the
 * result says it is durable; a failed publish sends no ack, so Slack redelivers. Copies of one event
 * arriving on several connections are absorbed by the dedup like Slack's retries over HTTP.
 */
export class SocketModeIngress {
  private readonly connections: SocketConnection[];
  private readonly metrics: Metrics;
  private readonly logger: Logger;
  private readonly counters: Record<EnvelopeType, Map<SocketOutcome, { inc(): void }>> = {
    events_api: new Map(),
    interactive: new Map(),
    slash_commands: new Map(),
    other: new Map(),
  };
  private readonly malformed: ThrottledLog<{ type: string; reason: string }>;
  private stopping = false;
  private inFlight = 0;
  private drained: (() => void) | null = null;
  private open = 0;

  constructor(private readonly options: SocketModeIngressOptions) {
    const count = options.connections ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > MAX_CONNECTIONS)
      throw new RangeError(`Socket Mode connections must be 1..${MAX_CONNECTIONS} (got ${count})`);
    this.metrics = options.metrics;
    this.logger = options.logger;
    const timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.connections = Array.from(
      { length: count },
      (_, i) =>
        new SocketConnection({
          id: i + 1,
          appToken: options.appToken,
          apiUrl: options.apiUrl,
          timings,
          logger: options.logger,
          onEnvelope: this.onEnvelope,
          onChange: () => this.recount(),
          onReconnect: (reason) => this.metrics.socketReconnects.labels(reason).inc(),
        }),
    );
    this.malformed = new ThrottledLog(5000, ({ type, reason }, heldBack) =>
      this.logger.warn(
        { type, reason, held_back: heldBack },
        "Socket Mode envelope carries no delivery; acked so Slack does not resend it, nothing queued",
      ),
    );
  }

  /**
   * Opens every connection. Resolves once each is open or retrying a failure a retry may cure;
   * rejects with a ConfigError (naming SLACK_APP_TOKEN) when Slack refuses the token.
   */
  async start(): Promise<void> {
    try {
      await Promise.all(this.connections.map((c) => c.open()));
    } catch (err) {
      await Promise.all(this.connections.map((c) => c.close()));
      throw err;
    }
  }

  /** Connections open now. */
  get openConnections(): number {
    return this.open;
  }

  /** Ready while at least one connection is open. */
  readonly readiness: ReadinessCheck = {
    name: "socket mode",
    check: () => {
      if (this.open > 0) return Promise.resolve();
      const states = this.connections.map((c) => c.state).join(", ");
      return Promise.reject(new SlacklineError("SLACKLINE_SOCKET_CLOSED", `no connection open (${states})`));
    },
  };

  /**
   * Graceful stop: takes no new envelope (those left unacked go to another connection or come back
   * after a restart), waits for the in-flight publishes and their acks (at most `drainMs`), then
   * closes the sockets.
   */
  async stop(drainMs = 10_000): Promise<void> {
    this.stopping = true;
    if (this.inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        timer = setTimeout(resolve, drainMs);
      });
      clearTimeout(timer);
      if (this.inFlight > 0)
        this.logger.warn(
          { in_flight: this.inFlight },
          "Socket Mode stop: envelopes still in flight, not acked",
        );
    }
    await Promise.all(this.connections.map((c) => c.close()));
  }

  private readonly onEnvelope = (event: SocketModeEvent): void => {
    const type = envelopeTypeOf(event.type);
    if (this.stopping) {
      this.count(type, "not_taken");
      return;
    }
    const started = performance.now();
    this.inFlight++;
    const envelope = envelopeFromSocket(event, Date.now());
    if (typeof envelope === "string") {
      // Like a 4xx with X-Slack-No-Retry over HTTP: the same bytes would fail the same way.
      this.count(type, "rejected");
      this.malformed.hit({ type: event.type, reason: envelope });
      this.ack(event, undefined, started);
      return;
    }
    this.options.core.accept(envelope).then((result) => {
      this.count(type, result.outcome);
      if (result.outcome === "unavailable") {
        this.settled();
        return;
      }
      this.ack(event, ackPayloadOf(result, event.accepts_response_payload), started);
    });
  };

  private ack(event: SocketModeEvent, payload: Record<string, unknown> | undefined, started: number) {
    event.ack(payload).then(
      () => {
        this.metrics.socketAckSeconds.observe((performance.now() - started) / 1000);
        this.settled();
      },
      (err: unknown) => {
        // The connection closed first: Slack redelivers, and the dedup knows it is queued already.
        this.metrics.socketAckFailures.inc();
        if (this.logger.isLevelEnabled("debug"))
          this.logger.debug({ err, envelope_id: event.envelope_id }, "Socket Mode ack not sent");
        this.settled();
      },
    );
  }

  private settled(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.drained) this.drained();
  }

  private count(type: EnvelopeType, outcome: SocketOutcome): void {
    const byOutcome = this.counters[type];
    let counter = byOutcome.get(outcome);
    if (!counter) {
      counter = this.metrics.socketEnvelopes.labels(type, outcome);
      byOutcome.set(outcome, counter);
    }
    counter.inc();
  }

  private recount(): void {
    this.open = this.connections.reduce((n, c) => n + (c.state === "open" ? 1 : 0), 0);
    this.metrics.socketConnected.set(this.open);
  }
}
