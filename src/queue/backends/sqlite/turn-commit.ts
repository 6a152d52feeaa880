import type Database from "better-sqlite3";
import { TurnBatcher } from "../../turn-batcher.js";
import { writeGate } from "./write-gate.js";

/**
 * Writes of one event-loop turn applied in one transaction, so they share one commit: a worker
 * settles (acks, marks) many deliveries at once. Each write resolves once that commit is done; a
 * failed commit rejects every write in it. While another process holds the write lock the commit
 * waits off the event loop (./write-gate.ts), up to `waitMs` (the connection's bound by default).
 */
export function turnCommit<T>(
  db: Database.Database,
  apply: (item: T) => void,
  waitMs?: number,
): TurnBatcher<T, undefined> {
  const applyAll = db.transaction((items: T[]) => {
    for (const item of items) apply(item);
  });
  const gate = writeGate(db);
  return new TurnBatcher(async (items: T[]) => {
    await gate.runAsync(() => applyAll.immediate(items), waitMs);
    return new Array<undefined>(items.length);
  });
}
