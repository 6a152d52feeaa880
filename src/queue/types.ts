import type { Env } from "../config/env.js";
import type { DedupStore } from "../dedup/types.js";
import type { Envelope } from "../envelope/envelope.js";
import { SlacklineError } from "../errors.js";

/** One leased message. Exactly one of ack / retry / deadLetter settles it; later calls are no-ops. */
export interface Delivery<M = Envelope> {
  /** The backend's id for this message (stream id, row id, sequence...). */
  readonly id: string;
  readonly topic: string;
  readonly message: M;
  /** 1 on the first delivery, incremented on every redelivery (retry or lease expiry) in this group. */
  readonly attempt: number;
  /** Done: the message will not be delivered to this group again. */
  ack(): Promise<void>;
  /** Hand it back to be delivered again (to any consumer of the group) after `delayMs`. */
  retry(delayMs: number, error?: string): Promise<void>;
  /** Move it to `<topic>.dlq` with the reason; it leaves the group's queue. */
  deadLetter(reason: string): Promise<void>;
  /** Keep the lease alive while a long handler runs (JetStream's working(), a lease bump elsewhere). */
  extend(): Promise<void>;
}

export interface ConsumeOptions {
  /** Consumer group: every group gets every message; inside a group one consumer holds a message at a time. */
  group: string;
  /** This consumer's name inside the group (stable across restarts where the backend uses it). */
  consumer?: string;
  /** Aborting stops leasing; deliveries not yet settled are handed back at once. */
  signal?: AbortSignal;
  /** How long a leased message stays invisible to the group before it is redelivered. */
  leaseMs?: number;
  /** Upper bound on deliveries leased but not yet settled by this consumer. */
  prefetch?: number;
}

export interface DeadLetter<M = Envelope> {
  /** Id inside the dead-letter queue (used by replay and purge). */
  id: string;
  /** The topic the message came from (the DLQ is `<topic>.dlq`). */
  topic: string;
  group: string | null;
  message: M;
  reason: string;
  attempts: number;
  /** Milliseconds since the epoch. */
  dead_at: number;
}

export interface QueueStats {
  /** Messages not yet acked by the group (ready, delayed or leased). */
  depth: number;
  /** Age in ms of the oldest such message, or null when there is none (or, with messages waiting, unknown). */
  oldestAgeMs: number | null;
  /** Set when the figures are not exact: what they leave out (shown beside them, e.g. by the dashboard). */
  partial?: string;
}

export interface QueueBackend {
  readonly name: string;
  /** False only for the in-memory backend: it says so at start. */
  readonly durable: boolean;
  /** Resolves with the message id once the message is durable; rejects otherwise. Fails after close(). */
  publish(topic: string, message: Envelope): Promise<string>;
  /**
   * Optional fast path for ingress: publish unless a message with the same `message.id` was published
   * to this topic within `dedupTtlSeconds`, as one atomic step (one SQLite transaction, one Redis
   * script, JetStream's Nats-Msg-Id window). Resolves with the id, or null for a duplicate. Backends
   * without it get the generic claim -> publish -> confirm through a DedupStore.
   */
  publishOnce?(topic: string, message: Envelope, dedupTtlSeconds: number): Promise<string | null>;
  /**
   * Optional: a store for workers' processed-markers on the backend's own connection, used when
   * DEDUP_STORE names no other (one connection fewer, and a worker's marker lookups and writes share
   * its socket with the acks). Closing the store leaves the backend open.
   */
  markerStore?(): DedupStore;
  consume(topic: string, options: ConsumeOptions): AsyncIterable<Delivery>;
  /**
   * Optional: as consume(), but the deliveries of one read (one fetch, one claim) come together. A
   * worker takes a batch at a time: one processed-marker lookup and one wake-up for all of it.
   */
  consumeBatches?(topic: string, options: ConsumeOptions): AsyncIterable<readonly Delivery[]>;
  /**
   * Dead letters in the DLQ's order, oldest first, at most `limit` (default 100). With `after` (the id
   * of the last dead letter of the previous page), only those after it: a cursor, so a large DLQ is
   * read a page at a time. A backend that cannot resume from an id ignores `after` and returns the
   * first page again (callers detect that by the ids repeating).
   */
  listDeadLetters(topic: string, options?: { limit?: number; after?: string }): Promise<DeadLetter[]>;
  /** Moves dead letters (all, or those ids) back to the queue for their group; resolves with the count. */
  replayDeadLetters(topic: string, options?: { ids?: string[] }): Promise<number>;
  purgeDeadLetters(topic: string, options?: { ids?: string[] }): Promise<number>;
  /** Rejects when the backend cannot be reached (readiness). */
  ping(): Promise<void>;
  /**
   * Optional: a start-up warning when the backend keeps less than it seems to (a Redis without
   * persistence), saying what a restart of it would lose; null when there is nothing to say.
   */
  persistenceWarning?(): Promise<string | null>;
  stats(topic: string, group: string): Promise<QueueStats>;
  /** Stops every consumer (their iterators end), hands back unsettled deliveries, releases connections. */
  close(): Promise<void>;
}

/** How long a leased message stays invisible to its group unless the backend or the worker says otherwise. */
export const DEFAULT_LEASE_MS = 30_000;

/**
 * What a backend says about itself, once: the registry, the dedup-store default, the start-up errors
 * and `--help` all read it. Built-ins keep it in a small module of its own, so listing them loads no
 * client library.
 */
export interface BackendInfo {
  name: string;
  /** One line for `--help` and for the "unknown backend" error. */
  description: string;
  /** Every environment variable the backend reads. */
  envVars: readonly string[];
  /** Where its connection is configured, named in the "unreachable" start-up error. */
  connectionVariable: string;
  /** The dedup store whose state it shares by default (so several gateways agree on duplicates). */
  defaultDedupStore: (env: Env) => string;
  /** Lease of a delivery when the worker asks for none. */
  defaultLeaseMs: number;
}

/** What a built-in backend module or a plugin exports: a name and fromEnv(); built-ins carry all of BackendInfo. */
export interface QueueBackendFactory extends Partial<Omit<BackendInfo, "name">> {
  name: string;
  fromEnv(env: Env): QueueBackend | Promise<QueueBackend>;
}

export const dlqTopic = (topic: string): string => `${topic}.dlq`;

export class QueueClosedError extends SlacklineError {
  constructor(name: string) {
    super("SLACKLINE_QUEUE_CLOSED", `${name} queue backend is closed`);
  }
}
