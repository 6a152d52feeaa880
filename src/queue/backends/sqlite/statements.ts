import type Database from "better-sqlite3";

/** What a lease needs from a row: the message and this group's attempt count. */
export interface LeasedRow {
  seq: number;
  attempt: number;
  /** Null only if the message row vanished under a delivery (should not happen; handled anyway). */
  body: string | null;
}

export interface DeadRow {
  id: number;
  topic: string;
  grp: string | null;
  body: string;
  reason: string;
  attempts: number;
  dead_at: number;
}

const CLEAR_LEASE = "lease_consumer = NULL, lease_pid = NULL, lease_host = NULL, lease_start = NULL";
/** A settle only counts while this consumer still holds this very lease (attempt identifies it). */
const OURS = "seq = ? AND grp = ? AND attempt = ? AND lease_consumer = ?";
const WANTED_BY = "(only_group IS NULL OR only_group = ?)";

/**
 * Every statement the queue runs, prepared once per connection. Positional parameters only (objects
 * would allocate per call); the order is noted where a value repeats.
 */
/** What the queue uses of a prepared statement (a named interface, so declaration emit can name it). */
export interface Stmt<P extends unknown[], R = unknown> {
  run(...params: P): Database.RunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
}

export function prepareStatements(db: Database.Database) {
  const prep = <P extends unknown[], R = unknown>(sql: string, pluck = false): Stmt<P, R> => {
    const statement = db.prepare<P, R>(sql);
    return pluck ? statement.pluck() : statement;
  };
  return {
    dataVersion: prep<[], number>("PRAGMA data_version", true),
    ping: prep<[], number>("SELECT 1", true),

    // (topic, body, published_at, only_group)
    insertMessage: prep<[string, string, number, string | null]>(
      "INSERT INTO messages (topic, body, published_at, only_group) VALUES (?, ?, ?, ?)",
    ),
    ensureGroup: prep<[string, string, number]>(
      "INSERT OR IGNORE INTO groups (topic, name, cursor, created_at) VALUES (?, ?, 0, ?)",
    ),

    // Read-only, so idle consumers of other processes never take the write lock for nothing.
    // (topic, group, now, topic, topic, group, group)
    hasWork: prep<[string, string, number, string, string, string, string], number>(
      `SELECT EXISTS (SELECT 1 FROM deliveries WHERE topic = ? AND grp = ? AND visible_at <= ?)
             OR EXISTS (SELECT 1 FROM messages
                         WHERE topic = ?
                           AND seq > coalesce((SELECT cursor FROM groups WHERE topic = ? AND name = ?), 0)
                           AND ${WANTED_BY})`,
      true,
    ),
    // A redelivery first (retry due, lease expired, handed back), oldest first.
    // (until, consumer, pid, host, start, group, topic, group, now)
    leaseAgain: prep<
      [number, string, number, string, string | null, string, string, string, number],
      LeasedRow
    >(
      `UPDATE deliveries
          SET attempt = attempt + 1, visible_at = ?, lease_consumer = ?, lease_pid = ?, lease_host = ?, lease_start = ?
        WHERE grp = ?
          AND seq = (SELECT seq FROM deliveries WHERE topic = ? AND grp = ? AND visible_at <= ? ORDER BY seq LIMIT 1)
       RETURNING seq, attempt, (SELECT body FROM messages m WHERE m.seq = deliveries.seq) AS body`,
    ),
    // (topic, topic, group, group)
    nextFresh: prep<[string, string, string, string], { seq: number; body: string }>(
      `SELECT seq, body FROM messages
        WHERE topic = ? AND seq > (SELECT cursor FROM groups WHERE topic = ? AND name = ?) AND ${WANTED_BY}
        ORDER BY seq LIMIT 1`,
    ),
    // (seq, group, topic, until, consumer, pid, host, start)
    insertLease: prep<[number, string, string, number, string, number, string, string | null]>(
      `INSERT INTO deliveries (seq, grp, topic, attempt, visible_at, lease_consumer, lease_pid, lease_host, lease_start)
       VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)`,
    ),
    // (seq, topic, group)
    advanceCursor: prep<[number, string, string]>(
      "UPDATE groups SET cursor = ? WHERE topic = ? AND name = ?",
    ),
    dropOrphan: prep<[number, string]>("DELETE FROM deliveries WHERE seq = ? AND grp = ?"),
    // (topic, group): when the next delayed or leased row becomes visible.
    nextVisibleAt: prep<[string, string], number | null>(
      "SELECT min(visible_at) FROM deliveries WHERE topic = ? AND grp = ?",
      true,
    ),

    // The retention trigger deletes the message once no group wants it any more.
    ack: prep<[number, string, number, string]>(`DELETE FROM deliveries WHERE ${OURS}`),
    // (visible_at, seq, group, attempt, consumer)
    release: prep<[number, number, string, number, string]>(
      `UPDATE deliveries SET visible_at = ?, ${CLEAR_LEASE} WHERE ${OURS}`,
    ),
    // (until, seq, group, attempt, consumer)
    extend: prep<[number, number, string, number, string]>(
      `UPDATE deliveries SET visible_at = ? WHERE ${OURS}`,
    ),
    // (reason, dead_at, seq, group, attempt, consumer)
    copyToDlq: prep<[string, number, number, string, number, string]>(
      `INSERT INTO dead_letters (topic, grp, body, reason, attempts, dead_at)
       SELECT d.topic, d.grp, m.body, ?, d.attempt, ? FROM deliveries d JOIN messages m ON m.seq = d.seq
        WHERE d.seq = ? AND d.grp = ? AND d.attempt = ? AND d.lease_consumer = ?`,
    ),

    // Dead-holder reclaim. (host, now)
    holders: prep<[string, number], { pid: number; start: string | null }>(
      `SELECT DISTINCT lease_pid AS pid, lease_start AS start FROM deliveries
        WHERE lease_host = ? AND lease_pid IS NOT NULL AND visible_at > ?`,
    ),
    // (host, pid, start, now)
    reclaim: prep<[string, number, string | null, number]>(
      `UPDATE deliveries SET visible_at = 0, ${CLEAR_LEASE}
        WHERE lease_host = ? AND lease_pid = ? AND lease_start IS ? AND visible_at > ?`,
    ),

    // (topic, group)
    statsHeld: prep<[string, string], { n: number; oldest: number | null }>(
      `SELECT count(*) AS n, min(m.published_at) AS oldest
         FROM deliveries d JOIN messages m ON m.seq = d.seq WHERE d.topic = ? AND d.grp = ?`,
    ),
    // (topic, topic, group, group)
    statsBacklog: prep<[string, string, string, string], { n: number; oldest: number | null }>(
      `SELECT count(*) AS n, min(published_at) AS oldest FROM messages
        WHERE topic = ?
          AND seq > coalesce((SELECT cursor FROM groups WHERE topic = ? AND name = ?), 0)
          AND ${WANTED_BY}`,
    ),

    // (topic, after id, limit)
    listDead: prep<[string, number, number], DeadRow>(
      "SELECT id, topic, grp, body, reason, attempts, dead_at FROM dead_letters WHERE topic = ? AND id > ? ORDER BY id LIMIT ?",
    ),
    allDead: prep<[string], DeadRow>(
      "SELECT id, topic, grp, body, reason, attempts, dead_at FROM dead_letters WHERE topic = ? ORDER BY id",
    ),
    // (topic, ids as a JSON array of integers)
    someDead: prep<[string, string], DeadRow>(
      `SELECT id, topic, grp, body, reason, attempts, dead_at FROM dead_letters
        WHERE topic = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY id`,
    ),
    deleteDead: prep<[number]>("DELETE FROM dead_letters WHERE id = ?"),
    purgeAll: prep<[string]>("DELETE FROM dead_letters WHERE topic = ?"),
    purgeSome: prep<[string, string]>(
      "DELETE FROM dead_letters WHERE topic = ? AND id IN (SELECT value FROM json_each(?))",
    ),

    // dropGroup(): (topic, group)
    deleteGroup: prep<[string, string]>("DELETE FROM groups WHERE topic = ? AND name = ?"),
    deleteGroupDeliveries: prep<[string, string]>("DELETE FROM deliveries WHERE topic = ? AND grp = ?"),
    deleteReplaysFor: prep<[string, string]>("DELETE FROM messages WHERE topic = ? AND only_group = ?"),
    // (topic, topic): what every remaining group has taken and none holds.
    sweepTaken: prep<[string, string]>(
      `DELETE FROM messages
        WHERE topic = ? AND seq <= (SELECT min(cursor) FROM groups WHERE topic = ?)
          AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = messages.seq)`,
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
