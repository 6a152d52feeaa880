// Another process on the gateway's SQLite file that takes the write lock for <holdMs> every
// <everyMs> (a long write transaction, a backup, a `sqlite3` shell), until killed.
import { createRequire } from "node:module";

const Database = createRequire(import.meta.url)("better-sqlite3");
const [path, holdMs, everyMs] = process.argv.slice(2);
const db = new Database(path, { timeout: 5000 });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
process.stdout.write("ready\n");
for (;;) {
  db.exec("BEGIN IMMEDIATE");
  await sleep(Number(holdMs));
  db.exec("COMMIT");
  await sleep(Number(everyMs) - Number(holdMs));
}
