import { chmodSync, existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../observability/logger.js";
import type { Config } from "./config.js";

/**
 * Files in the data dir that hold what other local users must not read: the SQLite queue (full event
 * bodies, `response_url`s, legacy `token` fields) with its WAL and shared-memory files, the
 * development signing secret, the persistent consumer id.
 */
const PRIVATE_FILES = [
  "queue.db",
  "queue.db-wal",
  "queue.db-shm",
  "dev-signing-secret",
  "redis-consumer-id",
] as const;
const PRIVATE_DIRS = ["redis-consumers"] as const;

/** Narrows `path` to `mode` if group or others may touch it; the mode it had, or null if it was fine. */
export function tighten(path: string, mode: 0o600 | 0o700): number | null {
  let current: number;
  try {
    current = statSync(path).mode & 0o777;
  } catch {
    return null;
  }
  if ((current & 0o077) === 0) return null;
  chmodSync(path, mode);
  return current;
}

const octal = (mode: number) => `0${mode.toString(8)}`;

/**
 * The data dir 0700 and its private files 0600 (also SQLITE_PATH's, wherever it is). New ones are
 * created that way; this tightens what an older version (or a loose umask) left readable, with a log
 * line for each.
 */
export function securePrivateFiles(config: Config, logger: Logger): void {
  const tightened = (path: string, was: number | null, now: number) => {
    if (was !== null)
      logger.warn(
        { path, was: octal(was), now: octal(now) },
        "tightened the permissions of a Slackline file other local users could read",
      );
  };
  const dir = config.dataDir;
  if (existsSync(dir)) {
    tightened(dir, tighten(dir, 0o700), 0o700);
    for (const name of PRIVATE_FILES) tightened(join(dir, name), tighten(join(dir, name), 0o600), 0o600);
    for (const name of PRIVATE_DIRS) {
      const sub = join(dir, name);
      tightened(sub, tighten(sub, 0o700), 0o700);
      for (const host of existsSync(sub) ? readdirSync(sub) : []) {
        tightened(join(sub, host), tighten(join(sub, host), 0o700), 0o700);
      }
    }
  }
  const sqlitePath = config.env.SQLITE_PATH?.trim();
  if (sqlitePath && sqlitePath !== ":memory:") {
    for (const suffix of ["", "-wal", "-shm"]) {
      tightened(sqlitePath + suffix, tighten(sqlitePath + suffix, 0o600), 0o600);
    }
  }
}
