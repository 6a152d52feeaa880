/**
 * What the dashboard's JSON and server-sent-events API carries. Types only: the page (built by Vite)
 * imports them too, so this module must import nothing.
 *
 * A figure the backend cannot tell is `null` ("unknown"), never 0.
 */

/** One second of this process's traffic, as charted. Rates are per second. */
export interface SeriesPoint {
  /** Seconds since the epoch (uPlot's x axis). */
  t: number;
  accepted: number;
  duplicate: number;
  rejected: number;
  /** Answered 503 because the publish failed. */
  unavailable: number;
  /** Ack latency of the requests answered in that second, in ms; null when there were none. */
  ackP50: number | null;
  ackP99: number | null;
  /** Deliveries settled by this process's workers (all groups). */
  handled: number;
  /** Deliveries retried or dead-lettered by this process's workers. */
  failed: number;
}

/** A queue figure from `backend.stats()`: null when the backend cannot tell. */
export interface QueueFigures {
  depth: number | null;
  /** Null: nothing waiting (depth 0), or unknown (see `oldestKnown`). */
  oldestAgeMs: number | null;
  /** False when the backend gave no age although messages are waiting. */
  oldestKnown: boolean;
  /** Set when the figures are partial (what they leave out), or why they are unknown. */
  note: string | null;
  /** When they were read (ms since the epoch); null before the first read. */
  readAt: number | null;
}

export interface GroupView {
  group: string;
  queue: QueueFigures;
  /** The rest cover the workers of this process only. */
  inFlight: number | null;
  /** Settled per second over the last minute (acked, skipped, retried, dead-lettered). */
  handledPerSecond: number;
  /** Retried or dead-lettered in the last minute. */
  failuresLastMinute: number;
  deadLetteredLastMinute: number;
}

export interface RouteView {
  route: string;
  /** Runs per second over the last minute. */
  runsPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
  errorsLastMinute: number;
  timeoutsLastMinute: number;
  /** Since this process started. */
  runsTotal: number;
  failuresTotal: number;
}

export interface HealthView {
  ok: boolean | null;
  detail: string;
  /** ms the check took; null before the first check. */
  latencyMs: number | null;
}

export interface Overview {
  version: string;
  backend: string;
  durable: boolean;
  topic: string;
  /** What this process runs: the dashboard alone, or beside ingress and/or a worker. */
  mode: "start" | "gateway" | "standalone";
  startedAt: number;
  now: number;
  readiness: HealthView;
  dedup: HealthView & { store: string };
  /** Requests since start, by outcome, and rejections by reason. */
  totals: {
    requests: Record<string, number>;
    rejectedByReason: Record<string, number>;
    deadLettered: number;
  };
}

/** Sent each second over `/dashboard/api/stream` (event `tick`); `snapshot` also carries the history. */
export interface LiveState {
  point: SeriesPoint | null;
  overview: Overview;
  groups: GroupView[];
  routes: RouteView[];
}

export interface Snapshot extends LiveState {
  series: SeriesPoint[];
}

export interface DeadLetterRow {
  id: string;
  eventId: string;
  kind: string;
  type: string;
  group: string | null;
  attempts: number;
  reason: string;
  deadAt: number;
}

export interface DeadLetterFilter {
  type?: string;
  group?: string;
  /** Case-insensitive; matched against the reason, the ids, the type and the event's text. */
  text?: string;
  /** ms since the epoch, inclusive. */
  since?: number;
  until?: number;
}

export interface DeadLetterPage {
  items: DeadLetterRow[];
  /** Dead letters matching the filter. */
  matching: number;
  /** Dead letters read from the backend. */
  total: number;
  /** True when the DLQ holds more than the dashboard reads (the rest are not shown or counted). */
  truncated: boolean;
  offset: number;
  limit: number;
  types: Array<{ name: string; count: number }>;
  groups: Array<{ name: string; count: number }>;
  readAt: number;
}

export interface DeadLetterDetail {
  row: DeadLetterRow;
  /** The envelope with tokens, secrets and signed URLs redacted. */
  envelope: unknown;
}

export interface BulkRequest {
  ids?: string[];
  filter?: DeadLetterFilter;
}

export interface BulkResult {
  /** How many the backend replayed or purged. */
  count: number;
  /** How many were asked for (a dead letter replayed meanwhile by someone else is not counted). */
  requested: number;
}

export interface SettledView {
  group: string;
  result: "acked" | "skipped_processed" | "retried" | "dead_lettered";
  attempt: number;
  routes: string[];
  error: string | null;
  at: number;
}

export interface RecentSummary {
  eventId: string;
  kind: string;
  type: string;
  receivedAt: number;
  /** null when this process did not receive it (a worker-only process saw it settled). */
  ingress: { accepted: number; duplicates: number } | null;
  /** The latest result per group. */
  groups: Array<{ group: string; result: SettledView["result"]; attempt: number }>;
}

export interface RecentDetail extends RecentSummary {
  envelope: unknown;
  history: SettledView[];
}

export interface Lookup {
  recent: RecentDetail | null;
  deadLetters: DeadLetterRow[];
}

export interface SessionInfo {
  csrf: string;
  auth: "open" | "cookie" | "bearer";
  /** True when a token is configured (the page shows a sign-out button). */
  tokenRequired: boolean;
}
