import type { Envelope } from "../envelope/envelope.js";

/** How a delivery left a worker's hands. */
export type SettleResult = "acked" | "skipped_processed" | "retried" | "dead_lettered";

/**
 * Watches events go by (the dashboard's recent-events view keeps the last few). Every method is
 * optional and called synchronously on the hot path: an implementation must only record, never wait
 * or throw.
 */
export interface FlowObserver {
  /** Ingress answered Slack for this envelope: published now, or a duplicate of one that was. */
  received?(envelope: Envelope, outcome: "accepted" | "duplicate"): void;
  /** A worker of `group` settled a delivery of this envelope. */
  settled?(
    group: string,
    envelope: Envelope,
    result: SettleResult,
    detail: { attempt: number; routes: readonly string[]; error?: string },
  ): void;
}
