import type Database from "better-sqlite3";
import type { ClaimResult } from "../../../dedup/types.js";

const PENDING = 0;
const DONE = 1;
/** Expired rows are swept every this many writes, a bounded batch at a time, so no write pays much. */
const SWEEP_EVERY = 1024;
const SWEEP_BATCH = 5000;

/**
 * The `dedup` table, used by SqliteDedupStore and by SqliteQueue.publishOnce() on the same file, so a
 * key published through one is a duplicate for the other. Rows past `expires_at` count as absent.
 */
export class DedupTable {
  private readonly take: Database.Statement<[string, number, number, number]>;
  private readonly state: Database.Statement<[string]>;
  private readonly setDone: Database.Statement<[string, number]>;
  private readonly releasePending: Database.Statement<[string]>;
  private readonly doneAmong: Database.Statement<[string, number]>;
  private readonly sweepExpired: Database.Statement<[number, number]>;
  private readonly claimTx: Database.Transaction<(key: string, ttlMs: number) => ClaimResult>;
  private writes = 0;

  constructor(db: Database.Database) {
    // Inserts, or takes over an expired row; returns a row only when the key was free.
    this.take = db.prepare(
      `INSERT INTO dedup (key, state, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at
       WHERE dedup.expires_at <= ?
       RETURNING 1`,
    );
    this.state = db.prepare("SELECT state FROM dedup WHERE key = ?").pluck();
    this.setDone = db.prepare(
      `INSERT INTO dedup (key, state, expires_at) VALUES (?, ${DONE}, ?)
       ON CONFLICT (key) DO UPDATE SET state = ${DONE}, expires_at = excluded.expires_at`,
    );
    this.releasePending = db.prepare(`DELETE FROM dedup WHERE key = ? AND state = ${PENDING}`);
    this.doneAmong = db
      .prepare(
        `SELECT key FROM dedup
          WHERE key IN (SELECT value FROM json_each(?)) AND state = ${DONE} AND expires_at > ?`,
      )
      .pluck();
    this.sweepExpired = db.prepare(
      "DELETE FROM dedup WHERE key IN (SELECT key FROM dedup WHERE expires_at <= ? LIMIT ?)",
    );
    this.claimTx = db.transaction((key: string, ttlMs: number): ClaimResult => {
      const now = Date.now();
      if (this.take.get(key, PENDING, now + ttlMs, now) !== undefined) return "claimed";
      return this.state.get(key) === DONE ? "duplicate" : "in_flight";
    });
  }

  /** Inside the caller's transaction: true when the key was free and is now done for `ttlMs`. */
  takeDone(key: string, ttlMs: number, now: number): boolean {
    this.tick(now);
    return this.take.get(key, DONE, now + ttlMs, now) !== undefined;
  }

  claim(key: string, pendingTtlMs: number): ClaimResult {
    this.tick(Date.now());
    // IMMEDIATE: the insert-or-read must not interleave with another process's.
    return this.claimTx.immediate(key, pendingTtlMs);
  }

  markDone(key: string, ttlMs: number): void {
    const now = Date.now();
    this.tick(now);
    this.setDone.run(key, now + ttlMs);
  }

  release(key: string): void {
    this.releasePending.run(key);
  }

  marked(keys: readonly string[]): Set<string> {
    if (keys.length === 0) return new Set();
    return new Set(this.doneAmong.all(JSON.stringify(keys), Date.now()) as string[]);
  }

  sweep(now = Date.now()): number {
    return this.sweepExpired.run(now, SWEEP_BATCH).changes;
  }

  private tick(now: number): void {
    if (++this.writes % SWEEP_EVERY === 0) this.sweep(now);
  }
}
