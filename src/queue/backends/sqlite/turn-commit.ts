import type Database from "better-sqlite3";
import { TurnBatcher } from "../../turn-batcher.js";

/**
 * Writes of one event-loop turn applied in one transaction, so they share one commit: a worker
 * settles (acks, marks) many deliveries at once. Each write resolves once that commit is done; a
 * failed commit rejects every write in it.
 */
export function turnCommit<T>(db: Database.Database, apply: (item: T) => void): TurnBatcher<T, undefined> {
  const applyAll = db.transaction((items: T[]) => {
    for (const item of items) apply(item);
  });
  return new TurnBatcher(async (items: T[]) => {
    applyAll(items);
    return new Array<undefined>(items.length);
  });
}
