import { randomUUID } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { topicNames } from "../../src/queue/backends/nats/names.js";
import { NatsQueue } from "../../src/queue/backends/nats.js";
import { DeliveryCollector } from "../../src/testing/collector.js";
import { sampleEnvelope, uniqueTopic } from "../../src/testing/envelopes.js";
import { NATS_URL, requireService } from "../helpers/services.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";
import { sleep, until } from "../helpers/wait.js";

const available = await requireService("NATS", NATS_URL);
const prefix = `slt_${randomUUID().slice(0, 8)}`;
const opened: NatsQueue[] = [];
const collectors: DeliveryCollector[] = [];

async function open(url = NATS_URL): Promise<NatsQueue> {
  const q = await NatsQueue.fromEnv({ NATS_URL: url, NATS_STREAM_PREFIX: prefix });
  opened.push(q);
  return q;
}

function collect(q: NatsQueue, topic: string, group: string, leaseMs = 5000): DeliveryCollector {
  const c = new DeliveryCollector(q, topic, { group, leaseMs });
  collectors.push(c);
  return c;
}

describe.skipIf(!available)("nats: outages, replays, stats", () => {
  afterEach(async () => {
    await Promise.all(collectors.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await Promise.all(opened.map((q) => q.close()));
    const nc = await connect({ servers: NATS_URL });
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names())
      if (name.startsWith(`${prefix}_`)) await jsm.streams.delete(name);
    await nc.close();
  });

  it("through a lost connection: publishes fail fast, consumers resume, nothing acked to Slack is lost", async () => {
    const target = new URL(NATS_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 4222));
    await proxy.up();
    const q = await open(`nats://127.0.0.1:${proxy.port}`);
    const topic = uniqueTopic("outage");
    const sent = [sampleEnvelope(), sampleEnvelope(), sampleEnvelope()];
    for (const e of sent) await q.publish(topic, e);
    const c = collect(q, topic, "w", 1500);
    await c.next(5000); // held, never acked: its lease brings it back

    await proxy.down();
    await until(() => !q.connected, 5000);
    const started = Date.now();
    await expect(q.publish(topic, sampleEnvelope())).rejects.toThrow(/not connected/);
    expect(Date.now() - started).toBeLessThan(100);
    await expect(q.ping()).rejects.toThrow();

    await proxy.up();
    await until(() => q.connected, 10_000);
    await q.ping();
    const acked = new Set<string>();
    while (acked.size < sent.length) {
      const d = await c.next(10_000);
      await d.ack();
      acked.add(d.message.id);
    }
    expect([...acked].sort()).toEqual(sent.map((e) => e.id).sort());
    const after = sampleEnvelope();
    await q.publish(topic, after);
    expect((await c.next(5000)).message.id).toBe(after.id);
    await c.stop();
    await q.close();
    await proxy.down();
  }, 30_000);

  it("a replayed dead letter goes back to its own group only", async () => {
    const q = await open();
    const topic = uniqueTopic("replay");
    const envelope = sampleEnvelope();
    const a = collect(q, topic, "a");
    const b = collect(q, topic, "b");
    await sleep(200);
    await q.publish(topic, envelope);
    await (await b.next(5000)).ack();
    const before = Date.now();
    await (await a.next(5000)).deadLetter("Error: boom\n    at handler (h.ts:1:1)");
    const [dead] = await q.listDeadLetters(topic);
    expect(dead).toMatchObject({ topic, group: "a", message: envelope, attempts: 1 });
    expect(dead?.reason).toContain("\n    at handler");
    expect(dead?.dead_at).toBeGreaterThanOrEqual(before);
    expect(await q.replayDeadLetters(topic)).toBe(1);
    const back = await a.next(5000);
    expect(back.message).toEqual(envelope);
    expect(back.attempt).toBe(1);
    await back.ack();
    expect(await b.poll(800)).toBeNull();
    expect((await q.stats(topic, "b")).depth).toBe(0);
  });

  it("stats() reports the oldest unacked message's age, also for a group not consuming yet", async () => {
    const q = await open();
    const topic = uniqueTopic("stats");
    await q.publish(topic, sampleEnvelope());
    await sleep(300);
    const early = await q.stats(topic, "late");
    expect(early.depth).toBe(1);
    expect(early.oldestAgeMs).toBeGreaterThanOrEqual(250);
    const c = collect(q, topic, "late");
    await (await c.next(5000)).ack();
    expect(await q.stats(topic, "late")).toEqual({ depth: 0, oldestAgeMs: null });
  });

  it("publish() of an id already in the duplicate window stores it once", async () => {
    const q = await open();
    const topic = uniqueTopic("dup");
    const envelope = sampleEnvelope();
    const first = await q.publish(topic, envelope);
    expect(await q.publish(topic, envelope)).toBe(first);
    const c = collect(q, topic, "g");
    await (await c.next(5000)).ack();
    expect(await c.poll(500)).toBeNull();
  });

  it("a message that is not JSON goes to the DLQ, not to a handler", async () => {
    const q = await open();
    const topic = uniqueTopic("junk");
    await q.publish(topic, sampleEnvelope()); // creates the stream
    const nc = await connect({ servers: NATS_URL });
    await jetstream(nc).publish(topicNames(prefix, topic).subject, "not json {");
    await nc.close();
    const c = collect(q, topic, "g");
    await (await c.next(5000)).ack();
    expect(await c.poll(500)).toBeNull();
    const dead = await q.listDeadLetters(topic);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.reason).toMatch(/not JSON/);
    expect(dead[0]?.message).toBe("not json {");
  });
});
