import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { ConfigError } from "../../../config/config-error.js";
import type { Env } from "../../../config/env.js";
import { envInt } from "../../../config/env-int.js";
import { SAFETY_NET_AUTOCHECKPOINT_PAGES } from "./checkpointer.js";
import { SCHEMA, SCHEMA_VERSION } from "./schema.js";
import { attachWriteGate, WriteGate } from "./write-gate.js";

export type Synchronous = "NORMAL" | "FULL";

export interface OpenOptions {
  /**
   * NORMAL (default): in WAL mode a commit is written to the WAL file before publish() resolves, so it
   * survives kill -9 and any crash of the process; only a power loss or kernel crash can roll back the
   * last commits (never corrupt the file). FULL adds an fsync per commit: durable across power loss,
   * at the cost of a disk flush on every publish.
   */
  synchronous?: Synchronous;
  /**
   * How long one write attempt may wait for another process's write lock inside SQLite (ms). It
   * blocks the event loop while it waits, so it is short; ./write-gate.ts waits the rest off the loop.
   */
  busyTimeoutMs?: number;
  /** How long a write waits for the lock in all before it fails (ms); see ./write-gate.ts. */
  lockWaitMs?: number;
}

/** One attempt stalls the event loop for at most this long (SQLite probes at 1, 3 and 8 ms of it). */
export const DEFAULT_BUSY_TIMEOUT_MS = 10;
/** Well under Slack's 3 s: a publish that cannot commit in time is a 503, and Slack retries. */
export const DEFAULT_LOCK_WAIT_MS = 1000;
/** Opening (schema, WAL switch) happens once at start, where waiting for another process is fine. */
const OPEN_BUSY_TIMEOUT_MS = 5000;

/** SQLITE_BUSY_TIMEOUT_MS and SQLITE_LOCK_WAIT_MS, for fromEnv(). */
export function lockBoundsFromEnv(env: Env): Pick<OpenOptions, "busyTimeoutMs" | "lockWaitMs"> {
  return {
    busyTimeoutMs: envInt(env.SQLITE_BUSY_TIMEOUT_MS, DEFAULT_BUSY_TIMEOUT_MS, "SQLITE_BUSY_TIMEOUT_MS"),
    lockWaitMs: envInt(env.SQLITE_LOCK_WAIT_MS, DEFAULT_LOCK_WAIT_MS, "SQLITE_LOCK_WAIT_MS", 1),
  };
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

/**
 * Opens (creating the directory and schema if needed) one connection to the shared file, with its
 * write gate (./write-gate.ts). A new file is made readable by its owner only (0600); SQLite gives its
 * -wal and -shm files the same mode. A directory it creates is 0700.
 */
export function openSqlite(path: string, options: OpenOptions = {}): Database.Database {
  if (path !== ":memory:") {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    createPrivately(path);
  }
  // busy_timeout first: every later statement may meet another process's lock.
  const db = new Database(path, { timeout: OPEN_BUSY_TIMEOUT_MS });
  try {
    switchToWal(db, OPEN_BUSY_TIMEOUT_MS);
    db.pragma(`synchronous = ${options.synchronous ?? "NORMAL"}`);
    // Keep the WAL file from staying huge after a burst.
    db.pragma("journal_size_limit = 67108864");
    // A background thread checkpoints (./checkpointer.ts); this is the backstop if it cannot.
    db.pragma(`wal_autocheckpoint = ${SAFETY_NET_AUTOCHECKPOINT_PAGES}`);
    db.pragma("foreign_keys = OFF");
    migrate(db);
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`);
  } catch (err) {
    db.close();
    throw err;
  }
  attachWriteGate(db, new WriteGate(options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS));
  return db;
}

/**
 * Creates an absent file as 0600. Never opens an existing one: closing any descriptor of a file drops
 * every POSIX lock this process holds on it, including those of SQLite connections already open.
 */
function createPrivately(path: string): void {
  if (existsSync(path)) return;
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (err) {
    // Another process created it first.
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
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
