import type Database from "better-sqlite3";
import type { Env } from "../config/env.js";
import { SlacklineError } from "../errors.js";
import { DedupTable } from "../queue/backends/sqlite/dedup-table.js";
import {
  lockBoundsFromEnv,
  openSqlite,
  resolveSqlitePath,
  type Synchronous,
  synchronousFromEnv,
} from "../queue/backends/sqlite/open.js";
import { turnCommit } from "../queue/backends/sqlite/turn-commit.js";
import { SqliteLockedError, type WriteGate, writeGate } from "../queue/backends/sqlite/write-gate.js";
import { TurnBatcher } from "../queue/turn-batcher.js";
import type { ClaimResult, DedupStore, DedupStoreFactory } from "./types.js";

export interface SqliteDedupStoreOptions {
  /** The database file; by default the queue's, so publishOnce() and this store share one table. */
  path: string;
  synchronous?: Synchronous;
  busyTimeoutMs?: number;
  /** How long a write waits for another process's lock, off the event loop (default 1000 ms). */
  lockWaitMs?: number;
}

/** Dedup keys in the SQLite file, shared by every process on the host. */
export class SqliteDedupStore implements DedupStore {
  readonly name = "sqlite";
  private readonly db: Database.Database;
  private readonly table: DedupTable;
  private readonly gate: WriteGate;
  /**
   * A worker marks many deliveries at once, and a gateway confirms many claims: those of one
   * event-loop turn share one commit.
   */
  private readonly marks: TurnBatcher<[string, number], undefined>;
  /** A gateway's claims of one turn: one IMMEDIATE transaction, one commit, instead of one each. */
  private readonly claims: TurnBatcher<[string, number], ClaimResult>;

  constructor(options: SqliteDedupStoreOptions) {
    this.db = openSqlite(options.path, {
      synchronous: options.synchronous,
      busyTimeoutMs: options.busyTimeoutMs,
      lockWaitMs: options.lockWaitMs,
    });
    this.gate = writeGate(this.db);
    const table = new DedupTable(this.db);
    this.table = table;
    this.marks = turnCommit(this.db, ([key, ttlMs]: [string, number]) => table.markDone(key, ttlMs));
    // Each claim inside is its own savepoint, with the result it would have had on its own.
    const claimAll = this.db.transaction((items: [string, number][]) =>
      items.map(([key, ttlMs]) => table.claim(key, ttlMs)),
    );
    const gate = this.gate;
    this.claims = new TurnBatcher((items) => gate.runAsync(() => claimAll.immediate(items)));
  }

  static fromEnv(env: Env): SqliteDedupStore {
    return new SqliteDedupStore({
      path: resolveSqlitePath(env),
      synchronous: synchronousFromEnv(env),
      ...lockBoundsFromEnv(env),
    });
  }

  claim(key: string, pendingTtlSeconds: number): Promise<ClaimResult> {
    return this.claims.add([key, pendingTtlSeconds * 1000]);
  }

  async confirm(key: string, ttlSeconds: number): Promise<void> {
    await this.marks.add([key, ttlSeconds * 1000]);
  }

  async release(key: string): Promise<void> {
    await this.gate.runAsync(() => this.table.release(key));
  }

  async mark(key: string, ttlSeconds: number): Promise<void> {
    await this.marks.add([key, ttlSeconds * 1000]);
  }

  /** Joins this turn's commit, as mark() does. */
  async markMany(keys: readonly string[], ttlSeconds: number): Promise<void> {
    await Promise.all(keys.map((key) => this.marks.add([key, ttlSeconds * 1000])));
  }

  async marked(keys: readonly string[]): Promise<Set<string>> {
    return this.table.marked(keys);
  }

  /** Not ready while closed, or once writes waited for another process's lock past the bound. */
  async ping(): Promise<void> {
    if (!this.db.open) throw new SlacklineError("SLACKLINE_QUEUE_CLOSED", "the SQLite dedup store is closed");
    const locked = this.gate.lockedForMs(() => this.db.exec("BEGIN IMMEDIATE; ROLLBACK"));
    if (locked > this.gate.waitMs)
      throw new SqliteLockedError(
        `no write could commit for ${locked} ms: another process holds the write lock`,
      );
  }

  /** Deletes expired keys now (they are also swept every so many writes). */
  async sweep(): Promise<number> {
    return this.table.sweep();
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.claims.flush();
    this.marks.flush();
    this.gate.close();
    this.db.close();
  }
}

export const sqliteDedupFactory: DedupStoreFactory = {
  name: "sqlite",
  fromEnv: (env) => SqliteDedupStore.fromEnv(env),
};
