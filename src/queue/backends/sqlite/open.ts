import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { ConfigError } from "../../../config/config-error.js";
import type { Env } from "../../../config/env.js";
import { SAFETY_NET_AUTOCHECKPOINT_PAGES } from "./checkpointer.js";
import { SCHEMA, SCHEMA_VERSION } from "./schema.js";

export type Synchronous = "NORMAL" | "FULL";

export interface OpenOptions {
  /**
   * NORMAL (default): in WAL mode a commit is written to the WAL file before publish() resolves, so it
   * survives kill -9 and any crash of the process; only a power loss or kernel crash can roll back the
   * last commits (never corrupt the file). FULL adds an fsync per commit: durable across power loss,
   * at the cost of a disk flush on every publish.
   */
  synchronous?: Synchronous;
  /** How long a writer waits for another process's write lock before failing (ms). */
  busyTimeoutMs?: number;
}

/** `SQLITE_PATH`, else `${SLACKLINE_DATA_DIR ?? ".slackline"}/queue.db`. */
export function resolveSqlitePath(env: Env): string {
  return env.SQLITE_PATH?.trim() || join(env.SLACKLINE_DATA_DIR?.trim() || ".slackline", "queue.db");
}

export function synchronousFromEnv(env: Env): Synchronous | undefined {
  const value = env.SQLITE_SYNCHRONOUS?.trim().toUpperCase();
  if (!value) return undefined;
  if (value !== "NORMAL" && value !== "FULL")
    throw new ConfigError(`SQLITE_SYNCHRONOUS must be NORMAL or FULL, not "${value}"`);
  return value;
}

/** Opens (creating the directory and schema if needed) one connection to the shared file. */
export function openSqlite(path: string, options: OpenOptions = {}): Database.Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  // busy_timeout first: every later statement may meet another process's lock.
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
    switchToWal(db, busyTimeoutMs);
    db.pragma(`synchronous = ${options.synchronous ?? "NORMAL"}`);
    // Keep the WAL file from staying huge after a burst.
    db.pragma("journal_size_limit = 67108864");
    // A background thread checkpoints (./checkpointer.ts); this is the backstop if it cannot.
    db.pragma(`wal_autocheckpoint = ${SAFETY_NET_AUTOCHECKPOINT_PAGES}`);
    db.pragma("foreign_keys = OFF");
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * `journal_mode = WAL`, waiting out another process that holds a lock on a file still in rollback
 * mode (two processes opening a fresh file at once): SQLite answers that pragma with SQLITE_BUSY at
 * once instead of calling the busy handler, so it is retried here until the busy timeout.
 */
function switchToWal(db: Database.Database, busyTimeoutMs: number): void {
  const deadline = Date.now() + busyTimeoutMs;
  for (;;) {
    try {
      db.pragma("journal_mode = WAL");
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== "SQLITE_BUSY" || Date.now() >= deadline) throw err;
      // Synchronous like the rest of opening; this runs once per process, at start.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

function migrate(db: Database.Database): void {
  // IMMEDIATE: several processes may open a fresh file at the same moment.
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new ConfigError(
        `queue file schema v${version} is newer than this slackline understands (v${SCHEMA_VERSION})`,
      );
    }
    if (version === SCHEMA_VERSION) return;
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
