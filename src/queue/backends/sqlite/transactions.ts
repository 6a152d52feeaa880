import type Database from "better-sqlite3";
import type { DedupTable } from "./dedup-table.js";
import type { PendingPublish } from "./group-commit.js";
import { SELF } from "./liveness.js";
import type { LeasedRow, Statements } from "./statements.js";

type Tx<F extends (...args: never[]) => unknown> = Database.Transaction<F>;

/** The queue's multi-statement writes, each one transaction (run with `.immediate(...)`). */
export interface QueueTransactions {
  /** Up to `max` rows leased to `consumer`: redeliveries first, then fresh messages. */
  claim: Tx<(topic: string, group: string, consumer: string, leaseMs: number, max: number) => LeasedRow[]>;
  /** Each publish's seq, or null for a publishOnce whose key was already done. */
  publish: Tx<(batch: PendingPublish[]) => (number | null)[]>;
  deadLetter: Tx<(reason: string, seq: number, group: string, attempt: number, consumer: string) => void>;
  /** Dead letters (all, or those ids) back to the group they died in; how many. */
  replay: Tx<(topic: string, ids: number[] | null) => number>;
  dropGroup: Tx<(topic: string, group: string) => void>;
}

export function prepareTransactions(
  db: Database.Database,
  s: Statements,
  dedup: DedupTable,
  /** A delivery row whose message row is gone was dropped (logged by the caller). */
  onOrphan: (topic: string, group: string, seq: number) => void,
): QueueTransactions {
  const claimOne = (topic: string, group: string, consumer: string, until: number, now: number) => {
    const again = s.leaseAgain.get(
      until,
      consumer,
      SELF.pid,
      SELF.host,
      SELF.start,
      group,
      topic,
      group,
      now,
    );
    if (again) {
      if (again.body !== null) return again;
      // A delivery without its message: drop it rather than loop on it.
      s.dropOrphan.run(again.seq, group);
      onOrphan(topic, group, again.seq);
      return "orphan" as const;
    }
    const fresh = s.nextFresh.get(topic, topic, group, group);
    if (!fresh) return null;
    s.insertLease.run(fresh.seq, group, topic, until, consumer, SELF.pid, SELF.host, SELF.start);
    s.advanceCursor.run(fresh.seq, topic, group);
    return { seq: fresh.seq, attempt: 1, body: fresh.body };
  };

  return {
    claim: db.transaction((topic: string, group: string, consumer: string, leaseMs: number, max: number) => {
      const now = Date.now();
      const rows: LeasedRow[] = [];
      for (let i = 0; i < max; i++) {
        const row = claimOne(topic, group, consumer, now + leaseMs, now);
        if (row === null) break;
        if (row !== "orphan") rows.push(row);
      }
      return rows;
    }),

    publish: db.transaction((batch: PendingPublish[]) => {
      const now = Date.now();
      const seqs: (number | null)[] = [];
      for (const p of batch) {
        // publishOnce: the dedup row and the message commit together, or neither does.
        if (p.key !== null && !dedup.takeDone(p.key, p.ttlMs, now)) seqs.push(null);
        else seqs.push(Number(s.insertMessage.run(p.topic, p.body, now, null).lastInsertRowid));
      }
      return seqs;
    }),

    deadLetter: db.transaction(
      (reason: string, seq: number, group: string, attempt: number, consumer: string) => {
        if (s.copyToDlq.run(reason, Date.now(), seq, group, attempt, consumer).changes === 1) {
          s.ack.run(seq, group, attempt, consumer);
        }
      },
    ),

    replay: db.transaction((topic: string, ids: number[] | null) => {
      const rows = ids ? s.someDead.all(topic, JSON.stringify(ids)) : s.allDead.all(topic);
      const now = Date.now();
      // Back to the group it died in only; other groups have handled it already.
      for (const row of rows) {
        s.insertMessage.run(topic, row.body, now, row.grp);
        s.deleteDead.run(row.id);
      }
      return rows.length;
    }),

    dropGroup: db.transaction((topic: string, group: string) => {
      s.deleteGroup.run(topic, group);
      s.deleteGroupDeliveries.run(topic, group);
      s.deleteReplaysFor.run(topic, group);
      s.sweepTaken.run(topic, topic);
    }),
  };
}
