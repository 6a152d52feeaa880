import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { SqliteQueue, sqliteBackend } from "../../src/queue/backends/sqlite.js";
import { QueueClosedError } from "../../src/queue/types.js";
import { DeliveryCollector } from "../../src/testing/collector.js";
import { publishOnceContract, queueBackendContract } from "../../src/testing/contract.js";
import { sampleEnvelope, uniqueTopic } from "../../src/testing/envelopes.js";
import { runChild } from "../fixtures/sqlite-child-helpers.js";

const require = createRequire(import.meta.url);
const dir = mkdtempSync(join(tmpdir(), "slackline-sqlite-"));
let files = 0;
const freshPath = () => join(dir, `queue-${++files}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

queueBackendContract({ name: "sqlite", create: () => new SqliteQueue({ path: freshPath() }) });
publishOnceContract({ name: "sqlite", create: () => new SqliteQueue({ path: freshPath() }) });
publishOnceContract({
  name: "sqlite (no group commit)",
  create: () => new SqliteQueue({ path: freshPath(), groupCommit: false }),
});

describe("SqliteQueue", () => {
  const opened: SqliteQueue[] = [];
  const collectors: DeliveryCollector[] = [];
  const open = (path: string) => {
    const q = new SqliteQueue({ path });
    opened.push(q);
    return q;
  };
  const collect = (q: SqliteQueue, topic: string, group: string) => {
    const c = new DeliveryCollector(q, topic, { group });
    collectors.push(c);
    return c;
  };
  const countRows = (path: string, table: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return (db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number) ?? 0;
    } finally {
      db.close();
    }
  };
  afterEach(async () => {
    await Promise.all(collectors.splice(0).map((c) => c.stop()));
    await Promise.all(opened.splice(0).map((q) => q.close()));
  });

  it("fromEnv puts queue.db under SLACKLINE_DATA_DIR, and SQLITE_PATH overrides it", async () => {
    const dataDir = join(dir, "data", "nested");
    const q = (await sqliteBackend.fromEnv({ SLACKLINE_DATA_DIR: dataDir })) as SqliteQueue;
    opened.push(q);
    expect(q.path).toBe(join(dataDir, "queue.db"));
    await q.ping();
    const override = join(dir, "override", "q.db");
    const r = (await sqliteBackend.fromEnv({
      SLACKLINE_DATA_DIR: dataDir,
      SQLITE_PATH: override,
    })) as SqliteQueue;
    opened.push(r);
    expect(r.path).toBe(override);
  });

  it("opening a fresh file waits while another process holds a lock on it (two processes starting at once)", async () => {
    const path = freshPath();
    // Another process creates the file and holds a write lock on it for a moment, still in rollback mode.
    const holder = spawn(
      process.execPath,
      [
        "-e",
        `const Database = require(${JSON.stringify(require.resolve("better-sqlite3"))});
         const db = new Database(${JSON.stringify(path)});
         db.exec("BEGIN IMMEDIATE; CREATE TABLE other (a); INSERT INTO other VALUES (1);");
         console.log("held");
         setTimeout(() => { db.exec("COMMIT"); db.close(); }, 400);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const exited = new Promise((resolve) => holder.once("exit", resolve));
    await new Promise<void>((resolve) => holder.stdout!.once("data", () => resolve()));
    // Synchronous, like every open: returns once the holder has committed, instead of failing with SQLITE_BUSY.
    const q = open(path);
    await q.ping();
    await exited;
    expect(countRows(path, "other")).toBe(1);
  });

  it("two instances on one file (as two processes) see each other's messages", async () => {
    const path = freshPath();
    const [a, b] = [open(path), open(path)];
    const topic = uniqueTopic();
    const onB = collect(b, topic, "g");
    const onA = collect(a, topic, "other");
    const fromA = sampleEnvelope();
    await a.publish(topic, fromA);
    expect((await onB.next(2000)).message).toEqual(fromA);
    expect((await onA.next(2000)).message).toEqual(fromA);
    const fromB = sampleEnvelope();
    await b.publish(topic, fromB);
    expect((await onB.next(2000)).message.id).toBe(fromB.id);
    expect((await onA.next(2000)).message.id).toBe(fromB.id);
  });

  it("publishOnce() on two instances of one file publishes an id once", async () => {
    const path = freshPath();
    const [a, b] = [open(path), open(path)];
    const topic = uniqueTopic();
    const envelope = sampleEnvelope();
    const results = await Promise.all([a, b, a, b].map((q) => q.publishOnce(topic, envelope, 60)));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect((await a.stats(topic, "g")).depth).toBe(1);
  });

  it("publishes accepted before close() commit; later ones reject with QueueClosedError", async () => {
    const path = freshPath();
    const q = new SqliteQueue({ path });
    const topic = uniqueTopic();
    const accepted = Array.from({ length: 5 }, () => q.publish(topic, sampleEnvelope()));
    await q.close();
    expect(await Promise.all(accepted)).toHaveLength(5);
    await expect(q.publish(topic, sampleEnvelope())).rejects.toBeInstanceOf(QueueClosedError);
    await expect(q.publishOnce(topic, sampleEnvelope(), 60)).rejects.toBeInstanceOf(QueueClosedError);
    const again = open(path);
    expect((await again.stats(topic, "g")).depth).toBe(5);
  });

  it("without group commit, publish still works end to end", async () => {
    const q = new SqliteQueue({ path: freshPath(), groupCommit: false });
    opened.push(q);
    const topic = uniqueTopic();
    const envelope = sampleEnvelope();
    const c = collect(q, topic, "g");
    await q.publish(topic, envelope);
    expect((await c.next(2000)).message).toEqual(envelope);
  });

  it("a message published by a child process reaches a consumer here within a second", async () => {
    const path = freshPath();
    const topic = uniqueTopic();
    const q = open(path);
    const c = collect(q, topic, "g");
    await new Promise((r) => setTimeout(r, 100));
    const child = runChild(["publish", path, topic, "1"]);
    try {
      const line = await child.waitFor(/^published /);
      const printedAt = Date.now();
      const d = await c.next(1000);
      expect(Date.now() - printedAt).toBeLessThan(1000);
      expect(`published ${d.message.id}`).toBe(line);
      await d.ack();
    } finally {
      await child.kill();
    }
  });

  it("worker processes sharing a group split the messages, each acked once", async () => {
    const path = freshPath();
    const topic = uniqueTopic();
    const q = open(path);
    // The group exists before publishing, as with a worker that is already running.
    const workers = [runChild(["drain", path, topic, "g"]), runChild(["drain", path, topic, "g"])];
    try {
      await Promise.all(workers.map((w) => w.waitFor(/^ready$/)));
      const sent = Array.from({ length: 200 }, () => sampleEnvelope());
      await Promise.all(sent.map((e) => q.publish(topic, e)));
      const acked = () => workers.flatMap((w) => w.lines.filter((l) => l.startsWith("acked ")));
      const deadline = Date.now() + 15_000;
      while (acked().length < sent.length && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200));
      const ids = acked().map((l) => l.slice(6));
      expect(ids.length).toBe(sent.length);
      expect(new Set(ids)).toEqual(new Set(sent.map((e) => e.id)));
      expect(countRows(path, "messages")).toBe(0);
    } finally {
      await Promise.all(workers.map((w) => w.kill()));
    }
  }, 30_000);

  it("deletes a row once every group acked it", async () => {
    const path = freshPath();
    const q = open(path);
    const topic = uniqueTopic();
    const [g1, g2] = [collect(q, topic, "g1"), collect(q, topic, "g2")];
    await new Promise((r) => setTimeout(r, 50));
    await q.publish(topic, sampleEnvelope());
    await (await g1.next()).ack();
    expect(countRows(path, "messages")).toBe(1);
    await (await g2.next()).ack();
    expect(countRows(path, "messages")).toBe(0);
    expect(countRows(path, "deliveries")).toBe(0);
  });

  it("keeps rows while a group has not acked them, and rows no group has seen yet", async () => {
    const path = freshPath();
    const q = open(path);
    const topic = uniqueTopic();
    // No group yet: a gateway publishing before any worker ran.
    for (let i = 0; i < 3; i++) await q.publish(topic, sampleEnvelope());
    await new Promise((r) => setTimeout(r, 100));
    expect(countRows(path, "messages")).toBe(3);
    const fast = collect(q, topic, "fast");
    const slow = collect(q, topic, "slow");
    for (const d of await fast.take(3)) await d.ack();
    // "slow" took them (leased) but has not acked: all kept.
    const held = await slow.take(3);
    expect(countRows(path, "messages")).toBe(3);
    await held[0]!.ack();
    await held[1]!.retry(60_000);
    expect(countRows(path, "messages")).toBe(2);
    expect((await q.stats(topic, "slow")).depth).toBe(2);
    expect((await q.stats(topic, "fast")).depth).toBe(0);
  });

  it("a replayed dead letter goes back to its group only", async () => {
    const path = freshPath();
    const q = open(path);
    const topic = uniqueTopic();
    const [g1, g2] = [collect(q, topic, "g1"), collect(q, topic, "g2")];
    await new Promise((r) => setTimeout(r, 50));
    const envelope = sampleEnvelope();
    await q.publish(topic, envelope);
    await (await g1.next()).deadLetter("boom");
    await (await g2.next()).ack();
    const [dead] = await q.listDeadLetters(topic);
    expect(dead).toMatchObject({ group: "g1", reason: "boom", attempts: 1, topic });
    expect(dead!.dead_at).toBeGreaterThan(Date.now() - 5000);
    expect(await q.replayDeadLetters(topic)).toBe(1);
    const again = await g1.next();
    expect(again.message).toEqual(envelope);
    expect(await g2.poll(300)).toBeNull();
    await again.ack();
    expect(countRows(path, "messages")).toBe(0);
  });

  it("dropGroup() lets go of what only that group kept", async () => {
    const path = freshPath();
    const q = open(path);
    const topic = uniqueTopic();
    const [live, gone] = [collect(q, topic, "live"), collect(q, topic, "gone")];
    await new Promise((r) => setTimeout(r, 50));
    await q.publish(topic, sampleEnvelope());
    await (await live.next()).ack();
    await gone.stop();
    expect(countRows(path, "messages")).toBe(1);
    await q.dropGroup(topic, "gone");
    expect(countRows(path, "messages")).toBe(0);
  });

  it("prefetch bounds what one consumer holds unsettled", async () => {
    const q = open(freshPath());
    const topic = uniqueTopic();
    for (let i = 0; i < 3; i++) await q.publish(topic, sampleEnvelope());
    const got: string[] = [];
    const controller = new AbortController();
    const loop = (async () => {
      for await (const d of q.consume(topic, { group: "g", prefetch: 2, signal: controller.signal })) {
        got.push(d.id);
        if (got.length === 1) setTimeout(() => void d.ack(), 300);
      }
    })();
    await new Promise((r) => setTimeout(r, 150));
    expect(got).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toHaveLength(3);
    controller.abort();
    await loop;
  });

  it("a consumer with free prefetch leases a batch in one transaction, and hands back what it never yielded", async () => {
    const path = freshPath();
    const q = open(path);
    const topic = uniqueTopic();
    for (let i = 0; i < 10; i++) await q.publish(topic, sampleEnvelope());
    const controller = new AbortController();
    const iterator = q
      .consume(topic, { group: "g", prefetch: 10, signal: controller.signal })
      [Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    // All ten were leased at once: a second process sees nothing it could take.
    const other = new Database(path, { readonly: true });
    try {
      expect(
        other.prepare("SELECT count(*) FROM deliveries WHERE visible_at > ?").pluck().get(Date.now()),
      ).toBe(10);
    } finally {
      other.close();
    }
    // Stopping hands back the nine never yielded (and the one not settled): the group gets all ten at once.
    controller.abort();
    await iterator.return?.(undefined);
    const c = collect(q, topic, "g");
    const again = await c.take(10, 2000);
    expect(new Set(again.map((d) => d.id)).size).toBe(10);
  });

  it("expired dedup rows are swept as publishOnce() goes", async () => {
    const path = freshPath();
    const q = open(path);
    const topic = uniqueTopic();
    for (let i = 0; i < 1100; i++) await q.publishOnce(topic, sampleEnvelope(), 0);
    expect(countRows(path, "dedup")).toBeLessThan(1100);
  });
});
