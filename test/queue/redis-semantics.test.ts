import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { REDIS_DEFAULTS, redisConfigFromEnv } from "../../src/queue/backends/redis/config.js";
import { ConsumerNames } from "../../src/queue/backends/redis/consumer-name.js";
import { RedisQueue } from "../../src/queue/backends/redis.js";
import type { Delivery } from "../../src/queue/types.js";
import { DeliveryCollector } from "../../src/testing/collector.js";
import { sampleEnvelope, uniqueTopic } from "../../src/testing/envelopes.js";
import { REDIS_URL, requireService } from "../helpers/services.js";
import { sleep, until } from "../helpers/wait.js";
import { redisTestSpace } from "./redis-helpers.js";

const available = await requireService("Redis", REDIS_URL);
const space = redisTestSpace("semantics");

describe.skipIf(!available)("redis backend: Redis-specific semantics", () => {
  let raw: Redis;
  const queues: RedisQueue[] = [];
  const collectors: DeliveryCollector[] = [];
  const open = async (options: Parameters<typeof space.open>[0] = {}) => {
    const q = await space.open(options);
    queues.push(q);
    return q;
  };
  const collect = (
    q: RedisQueue,
    topic: string,
    options: ConstructorParameters<typeof DeliveryCollector>[2],
  ) => {
    const c = new DeliveryCollector(q, topic, options);
    collectors.push(c);
    return c;
  };
  const consumerNames = async (stream: string, group: string) =>
    ((await raw.xinfo("CONSUMERS", stream, group)) as unknown[][]).map((c) => String(c[1]));

  beforeAll(() => {
    raw = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    await Promise.all(collectors.splice(0).map((c) => c.stop()));
    await Promise.all(queues.splice(0).map((q) => q.close()));
  });
  afterAll(async () => {
    raw.disconnect();
    await space.cleanup();
  });

  describe("batched consumption", () => {
    it("consumeBatches() hands a read's entries over together; each is settled on its own", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const sent = Array.from({ length: 10 }, () => sampleEnvelope());
      await Promise.all(sent.map((e) => q.publish(topic, e)));
      const controller = new AbortController();
      const batches = q
        .consumeBatches(topic, { group: "g", prefetch: 16, signal: controller.signal })
        [Symbol.asyncIterator]();
      try {
        // All ten were in the stream before the first read (prefetch 16): one batch, in order.
        const first = await batches.next();
        expect(first.done).toBe(false);
        const batch = first.value as readonly Delivery[];
        expect(batch.map((d) => d.message.id)).toEqual(sent.map((e) => e.id));
        expect(batch.every((d) => d.attempt === 1)).toBe(true);
        await Promise.all(batch.slice(0, 7).map((d) => d.ack()));
        await batch[7]!.retry(0, "again");
        // Two still held: the group has three left (two leased, one retried).
        expect((await q.stats(topic, "g")).depth).toBe(3);
        const again = await batches.next();
        expect((again.value as readonly Delivery[]).map((d) => [d.message.id, d.attempt])).toEqual([
          [sent[7]!.id, 2],
        ]);
      } finally {
        controller.abort();
        await batches.return?.();
      }
    });
  });

  describe("batched publishes", () => {
    it("a message whose XADD fails is rejected alone, leaves no dedup key, and its retry is accepted", async () => {
      const q = await open();
      const good = uniqueTopic();
      const broken = uniqueTopic();
      // Not a stream: every XADD into it fails (WRONGTYPE).
      await raw.set(q.keys.stream(broken), "not a stream");
      const ok = sampleEnvelope();
      const lost = sampleEnvelope();
      // Same turn, so the two go out batched (one script call per stream).
      const [a, b] = await Promise.allSettled([q.publishOnce(good, ok, 60), q.publishOnce(broken, lost, 60)]);
      expect(a.status).toBe("fulfilled");
      expect(b.status).toBe("rejected");
      expect(String((b as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
      expect(await raw.exists(q.keys.dedup(lost.id))).toBe(0);
      await raw.del(q.keys.stream(broken));
      expect(typeof (await q.publishOnce(broken, lost, 60))).toBe("string");
      await expect(q.publish(broken, sampleEnvelope())).resolves.toMatch(/^\d+-\d+$/);
    });

    it("many publishes in one turn each get their own entry, in order", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const sent = Array.from({ length: 300 }, (_, i) => sampleEnvelope({ id: `EvBatch${i}` }));
      const ids = await Promise.all(sent.map((e) => q.publish(topic, e)));
      expect(new Set(ids).size).toBe(sent.length);
      const entries = (await raw.xrange(q.keys.stream(topic), "-", "+")) as [string, string[]][];
      expect(entries.map(([, f]) => f[f.indexOf("id") + 1])).toEqual(sent.map((e) => e.id));
    });
  });

  describe("trimming", () => {
    it("never removes an entry some group has not read or still holds", async () => {
      const q = await open({ streamMaxLen: 10 });
      const topic = uniqueTopic();
      const stream = q.keys.stream(topic);
      const a = collect(q, topic, { group: "a", consumer: "a1", leaseMs: 60_000 });
      const b = collect(q, topic, { group: "b", consumer: "b1", leaseMs: 60_000, max: 200 });
      await sleep(100);
      const ids: string[] = [];
      for (let i = 0; i < 300; i++) ids.push(await q.publish(topic, sampleEnvelope({ id: `Ev${i}` })));

      // Group a holds five entries from the middle; group b has read only about 200.
      const fromA = await a.take(300, 10_000);
      const heldByA = fromA.filter((d) =>
        ["Ev150", "Ev151", "Ev152", "Ev153", "Ev154"].includes(d.message.id),
      );
      for (const d of fromA) if (!heldByA.includes(d)) await d.ack();
      for (const d of await b.take(200, 10_000)) await d.ack();

      await q.trim(topic);
      const left = await raw.xlen(stream);
      expect(left).toBeLessThan(300);
      // Everything from a's oldest held entry on is still there.
      const kept = (await raw.xrange(stream, ids[150]!, "+")).map(([id]) => id);
      expect(kept).toEqual(ids.slice(150));
      expect(left).toBeLessThanOrEqual(150 + 100);

      // a settles, b catches up: now the stream may shrink to about REDIS_STREAM_MAXLEN.
      for (const d of heldByA) await d.ack();
      await b.stop();
      const b2 = collect(q, topic, { group: "b", consumer: "b1", leaseMs: 60_000 });
      for (const d of await b2.take(100, 10_000)) await d.ack();
      await q.trim(topic);
      expect(await raw.xlen(stream)).toBeLessThanOrEqual(10 + 100);
      expect((await raw.xrange(stream, "-", "+")).map(([id]) => id)).toEqual(
        ids.slice(300 - (await raw.xlen(stream))),
      );
      expect((await q.stats(topic, "a")).depth).toBe(0);
      expect((await q.stats(topic, "b")).depth).toBe(0);
    });

    it("trims by itself as publishes go by, with no caller asking", async () => {
      const q = await open({ streamMaxLen: 10 });
      const topic = uniqueTopic();
      const stream = q.keys.stream(topic);
      const a = collect(q, topic, { group: "a", consumer: "a1", leaseMs: 60_000, max: 50 });
      await Promise.all(Array.from({ length: 50 }, () => q.publish(topic, sampleEnvelope())));
      for (const d of await a.take(50, 10_000)) await d.ack();
      await a.stop();
      // The next publishes set off a trim in the background: what group a read and acked goes.
      await Promise.all(Array.from({ length: 20 }, () => q.publish(topic, sampleEnvelope())));
      await until(async () => (await raw.xlen(stream)) === 20);
      expect((await q.stats(topic, "a")).depth).toBe(20);
    });

    it("does not trim a topic no group has read yet, so the first group gets everything", async () => {
      const q = await open({ streamMaxLen: 5 });
      const topic = uniqueTopic();
      for (let i = 0; i < 40; i++) await q.publish(topic, sampleEnvelope());
      expect(await q.trim(topic)).toBe(0);
      expect(await raw.xlen(q.keys.stream(topic))).toBe(40);
      const got = await collect(q, topic, { group: "late" }).take(40, 5000);
      expect(got).toHaveLength(40);
    });
  });

  describe("consumers", () => {
    it("removes consumers that are idle and hold nothing, never one that holds entries", async () => {
      const q = await open({ deadConsumerIdleMs: 300 });
      const topic = uniqueTopic();
      const stream = q.keys.stream(topic);
      await raw.xgroup("CREATE", stream, "g", "0", "MKSTREAM");
      const held = sampleEnvelope();
      await q.publish(topic, held);
      await raw.xreadgroup("GROUP", "g", "ghost-holding", "COUNT", 1, "STREAMS", stream, ">");
      await raw.xgroup("CREATECONSUMER", stream, "g", "ghost-empty");
      expect((await consumerNames(stream, "g")).sort()).toEqual(["ghost-empty", "ghost-holding"]);
      await sleep(400);
      // A long lease: ghost-holding's entry is not reclaimed, so ghost-holding must stay.
      const live = collect(q, topic, { group: "g", consumer: "live", leaseMs: 60_000 });
      expect(await live.poll(500)).toBeNull();
      expect((await consumerNames(stream, "g")).sort()).toEqual(["ghost-holding", "live"]);
    });

    it("a dead consumer's entries are reclaimed after the lease, then the consumer is removed", async () => {
      const q = await open({ deadConsumerIdleMs: 300 });
      const topic = uniqueTopic();
      const stream = q.keys.stream(topic);
      await raw.xgroup("CREATE", stream, "g", "0", "MKSTREAM");
      const held = sampleEnvelope();
      await q.publish(topic, held);
      await raw.xreadgroup("GROUP", "g", "crashed", "COUNT", 1, "STREAMS", stream, ">");
      await sleep(400);
      const live = collect(q, topic, { group: "g", consumer: "live", leaseMs: 300 });
      const d = await live.next(3000);
      expect(d.message.id).toBe(held.id);
      expect(d.attempt).toBe(2);
      await d.ack();
      expect(await consumerNames(stream, "g")).toEqual(["live"]);
    });

    it("default names are <host>-<persistent id>-<slot>: unique while live, the same after a restart", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const stream = q.keys.stream(topic);
      await q.publish(topic, sampleEnvelope());
      await q.publish(topic, sampleEnvelope());
      const first = collect(q, topic, { group: "g" });
      await (await first.next(5000)).ack();
      const second = collect(q, topic, { group: "g" });
      await sleep(300);
      const id = readFileSync(join(space.dataDir, "redis-consumer-id"), "utf8").trim();
      expect(id).toMatch(/^[0-9a-f]{8}$/);
      const host = hostname().replace(/[^A-Za-z0-9_.-]/g, "_");
      expect((await consumerNames(stream, "g")).sort()).toEqual([`${host}-${id}-0`, `${host}-${id}-1`]);
      await first.stop();
      await second.stop();
      await q.close();

      const again = await open();
      const third = collect(again, topic, { group: "g" });
      await (await third.next(5000)).ack();
      expect(await consumerNames(stream, "g")).toContain(`${host}-${id}-0`);
      expect(readFileSync(join(space.dataDir, "redis-consumer-id"), "utf8").trim()).toBe(id);
    });

    it("on start a consumer first re-reads its own pending entries, long before their lease ends", async () => {
      const dataDir = join(space.dataDir, "restart");
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(join(dataDir, "redis-consumer-id"), "feedbeef\n");
      const name = `${hostname().replace(/[^A-Za-z0-9_.-]/g, "_")}-feedbeef-0`;
      const q = await open({ dataDir });
      const topic = uniqueTopic();
      const stream = q.keys.stream(topic);
      await raw.xgroup("CREATE", stream, "g", "0", "MKSTREAM");
      const crashed = [sampleEnvelope(), sampleEnvelope()];
      for (const e of crashed) await q.publish(topic, e);
      // The previous life of this consumer read two entries and died.
      await raw.xreadgroup("GROUP", "g", name, "COUNT", 2, "STREAMS", stream, ">");
      const fresh = [sampleEnvelope(), sampleEnvelope(), sampleEnvelope()];
      for (const e of fresh) await q.publish(topic, e);

      const c = collect(q, topic, { group: "g", leaseMs: 60_000 });
      const got = await c.take(5, 3000);
      expect(got.map((d) => d.message.id)).toEqual([...crashed, ...fresh].map((e) => e.id));
      expect(got.map((d) => d.attempt)).toEqual([2, 2, 1, 1, 1]);
      for (const d of got) await d.ack();
    });

    it("ConsumerNames skips slots of live processes and takes over those of dead ones", async () => {
      const dataDir = join(space.dataDir, "slots");
      const dir = join(dataDir, "redis-consumers", "box");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "0.999999999"), "999999999\n"); // a pid that cannot be alive
      writeFileSync(join(dir, `1.${process.ppid}`), `${process.ppid}\n`); // a live process
      const names = new ConsumerNames(dataDir, "box");
      const a = await names.acquire();
      const b = await names.acquire();
      expect(a.name).toMatch(/^box-[0-9a-f]{8}-0$/);
      expect(b.name).toMatch(/^box-[0-9a-f]{8}-2$/);
      expect(existsSync(join(dir, "0.999999999"))).toBe(false);
      // Another instance in this process shares the slots.
      const c = await new ConsumerNames(dataDir, "box").acquire();
      expect(c.name).toMatch(/-3$/);
      await a.release();
      expect((await names.acquire()).name).toMatch(/-0$/);
    });
  });

  describe("retries and dead letters", () => {
    it("a delayed retry survives a restart of every consumer, attempt kept", async () => {
      const topic = uniqueTopic();
      const envelope = sampleEnvelope();
      const q1 = await open();
      await q1.publish(topic, envelope);
      const c1 = collect(q1, topic, { group: "g" });
      const first = await c1.next(5000);
      const retriedAt = Date.now();
      await first.retry(800, "boom");
      await c1.stop();
      await q1.close();
      expect(await raw.zcard(q1.keys.delayed(topic, "g"))).toBe(1);

      const q2 = await open();
      expect((await q2.stats(topic, "g")).depth).toBe(1);
      const c2 = collect(q2, topic, { group: "g" });
      const again = await c2.next(5000);
      expect(Date.now() - retriedAt).toBeGreaterThanOrEqual(750);
      expect(again.message).toEqual(envelope);
      expect(again.attempt).toBe(2);
      await again.ack();
      expect((await q2.stats(topic, "g")).depth).toBe(0);
    });

    it("retries and replays go back to their own group only", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const envelope = sampleEnvelope();
      await q.publish(topic, envelope);
      const g1 = collect(q, topic, { group: "g1" });
      const g2 = collect(q, topic, { group: "g2" });
      await (await g2.next(5000)).ack();
      await (await g1.next(5000)).retry(0);
      const retried = await g1.next(5000);
      expect(retried.attempt).toBe(2);
      await retried.deadLetter("gave up");
      const [dead] = await q.listDeadLetters(topic);
      expect(dead?.group).toBe("g1");
      expect(dead?.attempts).toBe(2);
      expect(await q.replayDeadLetters(topic)).toBe(1);
      const replayed = await g1.next(5000);
      expect(replayed.message).toEqual(envelope);
      expect(replayed.attempt).toBe(1);
      await replayed.ack();
      expect(await g2.poll(800)).toBeNull();
      // g2 skipped (acked) the entries addressed to g1.
      expect((await q.stats(topic, "g2")).depth).toBe(0);
    });

    it("a stale holder's retry or dead-letter changes nothing once its lease was taken over", async () => {
      const q = await open();
      const topic = uniqueTopic();
      await q.publish(topic, sampleEnvelope());
      const a = collect(q, topic, { group: "g", consumer: "a", leaseMs: 300, max: 1 });
      const stale = await a.next(5000);
      const b = collect(q, topic, { group: "g", consumer: "b", leaseMs: 300 });
      const current = await b.next(5000);
      await stale.retry(0);
      await stale.deadLetter("late");
      expect(await q.listDeadLetters(topic)).toHaveLength(0);
      await current.ack();
      expect(await b.poll(800)).toBeNull();
      expect((await q.stats(topic, "g")).depth).toBe(0);
    });
  });

  describe("stream layout", () => {
    it("another program can publish with a plain XADD; malformed entries are dead-lettered, not fatal", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const stream = q.keys.stream(topic);
      const envelope = sampleEnvelope();
      await raw.xadd(stream, "*", "foo", "bar");
      await raw.xadd(stream, "*", "envelope", "{not json");
      await raw.xadd(stream, "*", "envelope", JSON.stringify(envelope), "id", envelope.id);
      const c = collect(q, topic, { group: "g" });
      const d = await c.next(5000);
      expect(d.message).toEqual(envelope);
      await d.ack();
      const dead = await q.listDeadLetters(topic);
      expect(dead.map((x) => x.reason)).toEqual([
        "malformed stream entry: entry has no envelope field",
        "malformed stream entry: envelope is not JSON",
      ]);
      expect(dead[1]?.message).toBe("{not json");
      expect(await q.purgeDeadLetters(topic)).toBe(2);
    });

    it("keys and fields are as docs/redis.md says", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const envelope = sampleEnvelope();
      const id = await q.publishOnce(topic, envelope, 60);
      const entries = await raw.xrange(`${space.keyPrefix}stream:${topic}`, "-", "+");
      expect(entries).toEqual([[id, ["envelope", JSON.stringify(envelope), "id", envelope.id]]]);
      expect(await raw.get(`${space.keyPrefix}dedup:${envelope.id}`)).toBe("done");
      const c = collect(q, topic, { group: "g" });
      await (await c.next(5000)).retry(60_000, "Error: later");
      const [member] = await raw.zrange(`${space.keyPrefix}delayed:${topic}:g`, "0", "-1");
      expect(JSON.parse(member!)).toEqual({
        envelope: JSON.stringify(envelope),
        id: envelope.id,
        attempt: 1,
        orig: id,
        error: "Error: later",
      });
    });
  });
});

describe("redis backend configuration", () => {
  it("reads REDIS_* and SLACKLINE_DATA_DIR, with defaults", () => {
    expect(redisConfigFromEnv({})).toEqual(REDIS_DEFAULTS);
    expect(
      redisConfigFromEnv({
        REDIS_URL: "rediss://:pw@cache.example:6380/2",
        REDIS_KEY_PREFIX: "acme:",
        REDIS_STREAM_MAXLEN: "5000",
        REDIS_COMMAND_TIMEOUT_MS: "750",
        REDIS_DEAD_CONSUMER_IDLE_MS: "60000",
        SLACKLINE_DATA_DIR: "/var/lib/slackline",
      }),
    ).toEqual({
      url: "rediss://:pw@cache.example:6380/2",
      keyPrefix: "acme:",
      streamMaxLen: 5000,
      commandTimeoutMs: 750,
      deadConsumerIdleMs: 60000,
      dataDir: "/var/lib/slackline",
    });
    expect(() => redisConfigFromEnv({ REDIS_STREAM_MAXLEN: "lots" })).toThrow(/REDIS_STREAM_MAXLEN/);
  });

  it("rediss:// turns TLS on and passes the password (no connection is made until used)", async () => {
    const q = new RedisQueue({ url: "rediss://:s3cret@cache.example:6380/2" });
    try {
      expect(q.client.options.tls).toBeTruthy();
      expect(q.client.options.password).toBe("s3cret");
      expect(q.client.options.port).toBe(6380);
      expect(q.client.options.db).toBe(2);
      expect(q.client.status).toBe("wait");
    } finally {
      await q.close();
    }
  });
});
