import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { SqliteDedupStore } from "../../src/dedup/sqlite.js";
import { SqliteLockedError } from "../../src/queue/backends/sqlite/write-gate.js";
import { SqliteQueue } from "../../src/queue/backends/sqlite.js";
import { DeliveryCollector } from "../../src/testing/collector.js";
import { sampleEnvelope, uniqueTopic } from "../../src/testing/envelopes.js";
import { type Child, runChild } from "../fixtures/sqlite-child-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "slackline-lock-"));
let files = 0;
const freshPath = () => join(dir, `queue-${++files}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SQLite write lock held by another process", () => {
  const children: Child[] = [];
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.kill()));
    for (const close of closers.splice(0)) await close();
  });
  const holdLock = async (path: string, ms: number) => {
    const child = runChild(["hold", path, "-", String(ms)]);
    children.push(child);
    await child.waitFor(/^holding$/);
    return child;
  };

  it("a publish fails within the bound, the event loop stays free, and publishing resumes after", async () => {
    const path = freshPath();
    const topic = uniqueTopic();
    const queue = new SqliteQueue({ path, lockWaitMs: 500 });
    closers.push(() => queue.close());
    await queue.publishOnce(topic, sampleEnvelope(), 60);
    const holder = await holdLock(path, 60_000);

    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const started = Date.now();
    const err = await queue.publishOnce(topic, sampleEnvelope(), 60).catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect(err).toBeInstanceOf(SqliteLockedError);
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(900);
    // Readiness says so: writes have met the lock for longer than the bound.
    await expect(queue.ping()).rejects.toBeInstanceOf(SqliteLockedError);
    loop.disable();
    // Each attempt may stall the loop for the busy timeout (10 ms), never for the lock's duration
    // (a shared machine adds its own delays, hence the margin).
    expect(loop.max / 1e6).toBeLessThan(250);

    await holder.kill();
    const envelope = sampleEnvelope();
    await expect(queue.publishOnce(topic, envelope, 60)).resolves.not.toBeNull();
    await expect(queue.ping()).resolves.toBeUndefined();
  });

  it("a publish that waits commits as soon as the lock is released, within the bound", async () => {
    const path = freshPath();
    const topic = uniqueTopic();
    const queue = new SqliteQueue({ path, lockWaitMs: 5000 });
    closers.push(() => queue.close());
    const holder = await holdLock(path, 400);
    const started = Date.now();
    const id = await queue.publish(topic, sampleEnvelope());
    expect(id).toBeTruthy();
    await holder.waitFor(/^released$/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("a worker's ack and lease wait for the lock instead of failing or spinning", async () => {
    const path = freshPath();
    const topic = uniqueTopic();
    const queue = new SqliteQueue({ path, lockWaitMs: 200, pollMs: 10 });
    closers.push(() => queue.close());
    const collector = new DeliveryCollector(queue, topic, { group: "g" });
    closers.push(() => collector.stop());
    await queue.publish(topic, sampleEnvelope());
    const delivery = await collector.next();
    const holder = await holdLock(path, 1200);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    // Past the publish bound (200 ms), within the worker's: the ack commits once the lock is free.
    await delivery.ack();
    loop.disable();
    expect(holder.lines).toContain("released");
    expect(loop.max / 1e6).toBeLessThan(250);
    const second = sampleEnvelope();
    await queue.publish(topic, second);
    expect((await collector.next()).message.id).toBe(second.id);
    expect(await queue.stats(topic, "g")).toMatchObject({ depth: 1 });
  });

  it("the SQLite dedup store's claims fail within the bound too", async () => {
    const path = freshPath();
    const store = new SqliteDedupStore({ path, lockWaitMs: 300 });
    closers.push(() => store.close());
    await expect(store.claim("before", 10)).resolves.toBe("claimed");
    const holder = await holdLock(path, 60_000);
    const started = Date.now();
    await expect(store.claim("during", 10)).rejects.toBeInstanceOf(SqliteLockedError);
    expect(Date.now() - started).toBeLessThan(800);
    await holder.kill();
    await expect(store.claim("during", 10)).resolves.toBe("claimed");
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
