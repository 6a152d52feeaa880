// The bolt case's listener, shared by its Bolt servers and its Slackline handler module: an
// app_mention listener that takes BENCH_LISTENER_MS (default 200) and counts the runs it finished,
// one byte appended to the file BENCH_LISTENER_COUNT_FILE per run (one write(2), a few µs): the
// file's size is the count, exact whenever the benchmark reads it.
import { openSync, writeSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

const ms = Number(process.env.BENCH_LISTENER_MS ?? 200);
const fd = process.env.BENCH_LISTENER_COUNT_FILE
  ? openSync(process.env.BENCH_LISTENER_COUNT_FILE, "a")
  : null;
const DONE = Buffer.from(".");

/** Registers the slow listener on a Bolt app. */
export function slowListener(app) {
  app.event("app_mention", async () => {
    await sleep(ms);
    if (fd !== null) writeSync(fd, DONE);
  });
}
