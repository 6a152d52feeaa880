import type Database from "better-sqlite3";
import type { Env } from "../config/env.js";
import { DedupTable } from "../queue/backends/sqlite/dedup-table.js";
import {
  openSqlite,
  resolveSqlitePath,
  type Synchronous,
  synchronousFromEnv,
} from "../queue/backends/sqlite/open.js";
import { turnCommit } from "../queue/backends/sqlite/turn-commit.js";
import { TurnBatcher } from "../queue/turn-batcher.js";
import type { ClaimResult, DedupStore, DedupStoreFactory } from "./types.js";

export interface SqliteDedupStoreOptions {
  /** The database file; by default the queue's, so publishOnce() and this store share one table. */
  path: string;
  synchronous?: Synchronous;
  busyTimeoutMs?: number;
}

/** Dedup keys in the SQLite file, shared by every process on the host. */
export class SqliteDedupStore implements DedupStore {
  readonly name = "sqlite";
  private readonly db: Database.Database;
  private readonly table: DedupTable;
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
    });
    const table = new DedupTable(this.db);
    this.table = table;
    this.marks = turnCommit(this.db, ([key, ttlMs]: [string, number]) => table.markDone(key, ttlMs));
    // Each claim inside is its own savepoint, with the result it would have had on its own.
    const claimAll = this.db.transaction((items: [string, number][]) =>
      items.map(([key, ttlMs]) => table.claim(key, ttlMs)),
    );
    this.claims = new TurnBatcher(async (items) => claimAll.immediate(items));
  }

  static fromEnv(env: Env): SqliteDedupStore {
    return new SqliteDedupStore({ path: resolveSqlitePath(env), synchronous: synchronousFromEnv(env) });
  }

  claim(key: string, pendingTtlSeconds: number): Promise<ClaimResult> {
    return this.claims.add([key, pendingTtlSeconds * 1000]);
  }

  async confirm(key: string, ttlSeconds: number): Promise<void> {
    await this.marks.add([key, ttlSeconds * 1000]);
  }

  async release(key: string): Promise<void> {
    this.table.release(key);
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

  /** Deletes expired keys now (they are also swept every so many writes). */
  async sweep(): Promise<number> {
    return this.table.sweep();
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.claims.flush();
    this.marks.flush();
    this.db.close();
  }
}

export const sqliteDedupFactory: DedupStoreFactory = {
  name: "sqlite",
  fromEnv: (env) => SqliteDedupStore.fromEnv(env),
};
