import type { Envelope } from "../envelope/envelope.js";
import { errorText } from "../errors.js";
import type { Route } from "../handlers/router.js";
import type { Delivery } from "../queue/types.js";
import type { Failure } from "./failure.js";

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

/**
 * Runs a handler behind its route's lock: null on success or when another instance did the work; a
 * failure (retried) when the lock is held elsewhere, missing or broken.
 */
export async function runLocked(
  locks: Readonly<Record<string, RouteLock>> | undefined,
  route: Route & { claim: string },
  delivery: Delivery,
  invoke: () => Failure | null | Promise<Failure | null>,
): Promise<Failure | null> {
  const lock = locks?.[route.claim];
  if (!lock) return { route: route.name, error: `no lock named "${route.claim}" is configured` };
  try {
    const got = await lock.acquire(delivery.message, route.id);
    if (got.status === "done") return null;
    if (got.status === "held")
      return { route: route.name, error: "held by another instance", retryInMs: got.retryInMs };
    const failure = await invoke();
    if (failure) await got.release().catch(() => {});
    else await got.done();
    return failure;
  } catch (err) {
    return { route: route.name, error: `lock ${route.claim}: ${errorText(err)}` };
  }
}
