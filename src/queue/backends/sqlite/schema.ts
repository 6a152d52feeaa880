/**
 * The SQLite file's layout, shared by the queue backend and the dedup store.
 *
 * How a message moves:
 * - `messages` holds each published message once, whatever the number of groups. `seq` is
 *   AUTOINCREMENT so it is never reused: SQLite assigns it under the write lock, so a group's cursor
 *   can only ever miss nothing.
 * - `groups` has one row per (topic, group) with `cursor`, the highest seq the group has taken.
 *   A group seen for the first time starts at cursor 0: every message the topic still holds.
 * - `deliveries` has one row per message a group has taken but not yet acked: leased, delayed for a
 *   retry, or handed back. It stays small (in-flight work), while the backlog is just `seq > cursor`.
 *   The lease holder's pid, host and process start are recorded so a dead holder's leases can be
 *   reclaimed at once instead of after the lease.
 * - `dead_letters` is `<topic>.dlq`: the message body is copied, so replay works after retention.
 *
 * Retention: a message row is deleted as soon as every group of its topic has taken it (cursor >= seq)
 * and none still holds it (no deliveries row). The trigger below does that on every ack / dead-letter;
 * a periodic sweep catches the rest (a replay addressed to one group, a dropped group). A message of a
 * topic with no group yet is kept, so the first worker gets what the gateway published before it ran.
 * A group that stops consuming keeps every later message: drop it (SqliteQueue.dropGroup) to let go.
 *
 * `dedup` is shared by publishOnce() and SqliteDedupStore so both agree on what was published.
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  topic        TEXT    NOT NULL,
  body         TEXT    NOT NULL,
  published_at INTEGER NOT NULL,
  -- Set by a dead-letter replay: only this group gets the message again.
  only_group   TEXT
);
CREATE INDEX IF NOT EXISTS messages_by_topic ON messages (topic, seq);

CREATE TABLE IF NOT EXISTS groups (
  topic      TEXT    NOT NULL,
  name       TEXT    NOT NULL,
  cursor     INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (topic, name)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS deliveries (
  seq            INTEGER NOT NULL,
  grp            TEXT    NOT NULL,
  topic          TEXT    NOT NULL,
  attempt        INTEGER NOT NULL,
  -- Epoch ms when the group may take it (again): lease end, retry time, or 0 when handed back.
  visible_at     INTEGER NOT NULL,
  lease_consumer TEXT,
  lease_pid      INTEGER,
  lease_host     TEXT,
  lease_start    TEXT,
  PRIMARY KEY (seq, grp)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_by_group ON deliveries (topic, grp, visible_at);

CREATE TRIGGER IF NOT EXISTS deliveries_retention AFTER DELETE ON deliveries BEGIN
  DELETE FROM messages
   WHERE seq = OLD.seq
     AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = OLD.seq)
     AND NOT EXISTS (
       SELECT 1 FROM groups g
        WHERE g.topic = messages.topic AND g.cursor < messages.seq
          AND (messages.only_group IS NULL OR messages.only_group = g.name));
END;

CREATE TABLE IF NOT EXISTS dead_letters (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  topic    TEXT    NOT NULL,
  grp      TEXT,
  body     TEXT    NOT NULL,
  reason   TEXT    NOT NULL,
  attempts INTEGER NOT NULL,
  dead_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_by_topic ON dead_letters (topic, id);

CREATE TABLE IF NOT EXISTS dedup (
  key        TEXT    PRIMARY KEY,
  -- 0: pending (a claim whose publish is not confirmed yet), 1: done.
  state      INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dedup_by_expiry ON dedup (expires_at);
`;
