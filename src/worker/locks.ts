import type { Envelope } from "../envelope/envelope.js";

/**
 * A lock that a route can opt into (`{ claim: "slack" }`) so independent bot instances that each
 * received the same event do its work once. The worker acquires before running the handler and
 * marks done after it succeeded.
 */
export type LockAcquisition =
  | { status: "acquired"; done(): Promise<void>; release(): Promise<void> }
  /** Another instance finished this work: count it as done here too. */
  | { status: "done" }
  /** Another live instance holds it: look again later (it may die). */
  | { status: "held"; retryInMs: number };

export interface RouteLock {
  acquire(envelope: Envelope, routeId: string): Promise<LockAcquisition>;
}
