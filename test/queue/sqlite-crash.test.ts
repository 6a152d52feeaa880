import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { SqliteQueue } from "../../src/queue/backends/sqlite.js";
import { DeliveryCollector } from "../../src/testing/collector.js";
import { sampleEnvelope, uniqueTopic } from "../../src/testing/envelopes.js";
import { type Child, runChild } from "../fixtures/sqlite-child-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "slackline-crash-"));
let files = 0;
const freshPath = () => join(dir, `queue-${++files}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SqliteQueue under kill -9", () => {
  const children: Child[] = [];
  const queues: SqliteQueue[] = [];
  const collectors: DeliveryCollector[] = [];
  const child = (args: string[]) => {
    const c = runChild(args);
    children.push(c);
    return c;
  };
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.kill()));
    await Promise.all(collectors.splice(0).map((c) => c.stop()));
    await Promise.all(queues.splice(0).map((q) => q.close()));
  });

  it("every id a publisher printed before SIGKILL is in the queue", async () => {
    const path = freshPath();
    const topic = uniqueTopic();
    const publisher = child(["publish", path, topic, "1000000"]);
    await publisher.waitFor(/^published /);
    // Let it run flat out for a moment, then kill it mid-stream.
    await new Promise((r) => setTimeout(r, 300));
    await publisher.kill();
    expect(publisher.process.signalCode).toBe("SIGKILL");
    const printed = publisher.lines.filter((l) => l.startsWith("published ")).map((l) => l.slice(10));
    expect(printed.length).toBeGreaterThan(10);

    const q = new SqliteQueue({ path });
    queues.push(q);
    const { depth } = await q.stats(topic, "g");
    // Printed after publish resolved: all there; at most the one in flight at the kill is extra.
    expect(depth).toBeGreaterThanOrEqual(printed.length);
    expect(depth).toBeLessThanOrEqual(printed.length + 1);
    const c = new DeliveryCollector(q, topic, { group: "g" });
    collectors.push(c);
    const got = new Set<string>();
    for (const d of await c.take(depth, 20_000)) {
      got.add(d.message.id);
      await d.ack();
    }
    const missing = printed.filter((id) => !got.has(id));
    expect(missing).toEqual([]);
  }, 60_000);

  it("a killed consumer's lease comes back at once, not after the 30 s lease", async () => {
    const path = freshPath();
    const topic = uniqueTopic();
    const q = new SqliteQueue({ path });
    queues.push(q);
    const id = await q.publish(topic, sampleEnvelope());
    const holder = child(["lease", path, topic, "g"]);
    const line = await holder.waitFor(/^leased /);
    // A consumer here, in the same group, gets nothing while the holder lives...
    const c = new DeliveryCollector(q, topic, { group: "g" });
    collectors.push(c);
    expect(await c.poll(1500)).toBeNull();
    // ...and the message as soon as the holder is gone.
    const killedAt = Date.now();
    await holder.kill();
    const back = await c.next(5000);
    expect(Date.now() - killedAt).toBeLessThan(3000);
    expect(back.id).toBe(id);
    expect(`leased ${back.message.id}`).toBe(line);
    expect(back.attempt).toBe(2);
    await back.ack();
  }, 30_000);

  it("a process restarted after kill -9 gets the dead one's leases back on its first look", async () => {
    const path = freshPath();
    const topic = uniqueTopic();
    const seed = new SqliteQueue({ path });
    queues.push(seed);
    await seed.publish(topic, sampleEnvelope());
    const holder = child(["lease", path, topic, "g"]);
    await holder.waitFor(/^leased /);
    await holder.kill();
    // The "restarted" worker: a fresh connection, a consumer started after the death.
    const restarted = new SqliteQueue({ path });
    queues.push(restarted);
    const c = new DeliveryCollector(restarted, topic, { group: "g" });
    collectors.push(c);
    const startedAt = Date.now();
    const back = await c.next(5000);
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(back.attempt).toBe(2);
    await back.ack();
  }, 30_000);
});
