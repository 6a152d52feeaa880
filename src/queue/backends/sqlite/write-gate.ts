import type Database from "better-sqlite3";
import { SlacklineError } from "../../../errors.js";

/** No commit within the bound: another connection (usually another process) holds the write lock. */
export class SqliteLockedError extends SlacklineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SLACKLINE_SQLITE_LOCKED", message, options);
  }
}

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_RECOVERY, SQLITE_BUSY_TIMEOUT, ...). */
export const isBusy = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
};

/** Pauses between attempts while the lock is held: quick at first, then ten a second at most. */
const RETRY_MS = [5, 10, 25, 50, 100] as const;

type Done<T> = (err: unknown, value?: T) => void;

interface Waiting {
  write: () => unknown;
  done: Done<unknown>;
  waitMs: number;
  deadline: number;
}

/**
 * Keeps the event loop free while another process holds a connection's write lock.
 *
 * better-sqlite3 runs on the main thread: a write that meets another process's lock sleeps inside
 * SQLite's busy handler, and so does everything else in the process (requests, /healthz). So the
 * connection's busy_timeout is short (a few ms: one attempt never stalls the loop for longer), and a
 * write that still finds the lock taken waits here, off the loop, retried on a timer until its own
 * deadline; past it, it fails with SqliteLockedError and nothing of it was written. Writes run one at
 * a time in the order they came: once one waits, later ones queue behind it.
 */
export class WriteGate {
  private readonly queue: Waiting[] = [];
  private timer: NodeJS.Timeout | null = null;
  private attempts = 0;
  /** When writes started meeting another connection's lock; null once one commits. */
  private lockedSince: number | null = null;
  private closed = false;

  constructor(
    /** How long a write waits for the lock unless it asks otherwise. */
    readonly waitMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes are waiting for the lock. */
  get waiting(): boolean {
    return this.queue.length > 0;
  }

  /**
   * How long writes have been meeting another connection's lock: 0 once one committed. With nothing
   * waiting, `probe` (a write that changes nothing) tells whether the lock is still held, so a quiet
   * process does not stay "locked" after the lock was released.
   */
  lockedForMs(probe?: () => void): number {
    const since = this.lockedSince;
    if (since === null) return 0;
    if (probe && this.queue.length === 0) {
      try {
        probe();
        this.lockedSince = null;
        return 0;
      } catch (err) {
        if (!isBusy(err)) throw err;
      }
    }
    return this.now() - since;
  }

  /** Runs `write` now if nothing waits and the lock is free, else when it is; `done` gets the outcome. */
  run<T>(write: () => T, done: Done<T>, waitMs = this.waitMs): void {
    if (this.closed) {
      done(new SqliteLockedError("the SQLite connection is closing"));
      return;
    }
    if (this.queue.length > 0) {
      this.enqueue(write, done as Done<unknown>, waitMs);
      return;
    }
    let value: T;
    try {
      value = write();
    } catch (err) {
      if (!isBusy(err)) {
        done(err);
        return;
      }
      this.lockedSince ??= this.now();
      this.enqueue(write, done as Done<unknown>, waitMs);
      return;
    }
    this.lockedSince = null;
    done(null, value);
  }

  runAsync<T>(write: () => T, waitMs = this.waitMs): Promise<T> {
    return new Promise<T>((resolve, reject) =>
      this.run(write, (err, value) => (err ? reject(err) : resolve(value as T)), waitMs),
    );
  }

  /** One last attempt for what waits (the lock may be free by now); the rest fails. */
  close(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.attempt(true);
    this.closed = true;
    for (const w of this.queue.splice(0)) w.done(new SqliteLockedError("the SQLite connection closed"));
  }

  private enqueue(write: () => unknown, done: Done<unknown>, waitMs: number): void {
    this.queue.push({ write, done, waitMs, deadline: this.now() + waitMs });
    if (this.timer === null) this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    const pause = RETRY_MS[Math.min(this.attempts, RETRY_MS.length - 1)]!;
    this.attempts++;
    let earliest = Number.POSITIVE_INFINITY;
    for (const w of this.queue) earliest = Math.min(earliest, w.deadline);
    this.timer = setTimeout(this.retry, Math.max(0, Math.min(pause, earliest - this.now())));
  }

  private readonly retry = (): void => {
    this.timer = null;
    this.attempt(false);
  };

  /** Fails what is past its deadline, then writes in order until the lock is met again or all are done. */
  private attempt(last: boolean): void {
    const now = this.now();
    for (let i = 0; i < this.queue.length; ) {
      const w = this.queue[i]!;
      if (w.deadline > now) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      w.done(
        new SqliteLockedError(
          `the SQLite write lock was held by another connection for over ${w.waitMs} ms; nothing was written`,
        ),
      );
    }
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      let value: unknown;
      try {
        value = head.write();
      } catch (err) {
        if (isBusy(err)) {
          this.lockedSince ??= now;
          if (!last) this.schedule();
          return;
        }
        this.queue.shift();
        head.done(err);
        continue;
      }
      this.queue.shift();
      this.lockedSince = null;
      head.done(null, value);
    }
    this.attempts = 0;
  }
}

const gates = new WeakMap<Database.Database, WriteGate>();

/** The gate of a connection opened by openSqlite(). */
export function writeGate(db: Database.Database): WriteGate {
  const gate = gates.get(db);
  if (!gate) throw new Error("this SQLite connection was not opened by openSqlite()");
  return gate;
}

export function attachWriteGate(db: Database.Database, gate: WriteGate): void {
  gates.set(db, gate);
}
