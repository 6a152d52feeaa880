import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisQueue, redisBackend } from "../../src/queue/backends/redis.js";
import type { Delivery } from "../../src/queue/types.js";
import { DeliveryCollector } from "../../src/testing/collector.js";
import { sampleEnvelope, uniqueTopic } from "../../src/testing/envelopes.js";
import { sleep } from "../helpers/wait.js";
import { PrivateRedis, redisServerBinary } from "./redis-server.js";

/**
 * Outages against a redis-server of the test's own (started on a free port, killed, frozen, started
 * again), so the shared server is never disturbed.
 */
const available = redisServerBinary();
const keyPrefix = `slackline-test:outage:${randomUUID().slice(0, 8)}:`;

async function eventually(check: () => Promise<unknown>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(50);
    }
  }
}

/** Takes deliveries, acking each, until every id in `wanted` was seen; returns every id seen. */
async function drain(c: DeliveryCollector, wanted: Set<string>, timeoutMs = 10_000): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  while ([...wanted].some((id) => !seen.includes(id))) {
    const d: Delivery = await c.next(Math.max(1, deadline - Date.now()));
    seen.push(d.message.id);
    await d.ack();
  }
  return seen;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await fn().then(
    () => {
      throw new Error("expected a rejection");
    },
    () => {},
  );
  return Date.now() - started;
}

describe.skipIf(!available)("redis backend: outages of a private redis-server", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "slackline-outage-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  describe("with AOF persistence (fsync always)", () => {
    const server = new PrivateRedis({ persistent: true });
    beforeAll(() => server.start());
    afterAll(() => server.destroy());

    it("killed: publish and ping fail fast; consumers resume on restart; nothing acknowledged is lost", async () => {
      const q = await RedisQueue.open({ url: server.url, keyPrefix, dataDir, commandTimeoutMs: 500 });
      const topic = uniqueTopic();
      const c = new DeliveryCollector(q, topic, { group: "g", leaseMs: 5000 });
      try {
        const before = Array.from({ length: 10 }, () => sampleEnvelope());
        for (const e of before) await q.publish(topic, e);
        const acked = await c.take(5, 5000);
        for (const d of acked) await d.ack();

        await server.kill();
        expect(await timed(() => q.publish(topic, sampleEnvelope()))).toBeLessThan(250);
        expect(await timed(() => q.ping())).toBeLessThan(250);

        await server.start();
        await eventually(() => q.ping());
        const after = Array.from({ length: 10 }, () => sampleEnvelope());
        for (const e of after) await q.publish(topic, e);

        const rest = [...before.slice(5), ...after].map((e) => e.id);
        const seen = await drain(c, new Set(rest));
        expect(new Set(seen)).toEqual(new Set(rest));
        for (const d of acked) expect(seen).not.toContain(d.message.id);
        await eventually(async () => expect((await q.stats(topic, "g")).depth).toBe(0));
      } finally {
        await c.stop();
        await q.close();
      }
    });

    it("a buffered entry whose lease check fails stays first in line and is handed out once Redis answers", async () => {
      const q = await RedisQueue.open({ url: server.url, keyPrefix, dataDir, commandTimeoutMs: 300 });
      const topic = uniqueTopic();
      const sent = Array.from({ length: 3 }, () => sampleEnvelope());
      for (const e of sent) await q.publish(topic, e);
      const controller = new AbortController();
      const deliveries = q
        .consume(topic, { group: "g", leaseMs: 600, prefetch: 10, signal: controller.signal })
        [Symbol.asyncIterator]();
      try {
        // One read leased all three; two wait in the consumer's buffer.
        const first = (await deliveries.next()).value as Delivery;
        expect(first.message.id).toBe(sent[0]!.id);
        await first.ack();
        // Older than a third of the lease now: each is checked (a script) before it is handed out.
        await sleep(250);
        server.freeze();
        const next = deliveries.next();
        await sleep(700); // the check times out at least once
        server.thaw();
        const second = (await next).value as Delivery;
        expect([second.message.id, second.attempt]).toEqual([sent[1]!.id, 1]);
        await second.ack();
        const third = (await deliveries.next()).value as Delivery;
        expect([third.message.id, third.attempt]).toEqual([sent[2]!.id, 1]);
        await third.ack();
        await eventually(async () => expect((await q.stats(topic, "g")).depth).toBe(0));
      } finally {
        server.thaw();
        controller.abort();
        await deliveries.return?.();
        await q.close();
      }
    });

    it("frozen (SIGSTOP): publish and ping fail within the command timeout; all resumes after SIGCONT", async () => {
      const q = await RedisQueue.open({ url: server.url, keyPrefix, dataDir, commandTimeoutMs: 300 });
      const topic = uniqueTopic();
      const c = new DeliveryCollector(q, topic, { group: "g", leaseMs: 5000 });
      try {
        await sleep(100);
        server.freeze();
        const publishMs = await timed(() => q.publish(topic, sampleEnvelope()));
        expect(publishMs).toBeGreaterThanOrEqual(250);
        expect(publishMs).toBeLessThan(1000);
        expect(await timed(() => q.ping())).toBeLessThan(1000);
        await sleep(1500); // long enough for the consumer's blocked read to time out too
        server.thaw();
        await eventually(() => q.ping());
        const after = Array.from({ length: 3 }, () => sampleEnvelope());
        for (const e of after) await q.publish(topic, e);
        // The publish that timed out may still have landed (Slack's retry and the dedup absorb that).
        await drain(c, new Set(after.map((e) => e.id)));
      } finally {
        server.thaw();
        await c.stop();
        await q.close();
      }
    });
  });

  it("restarted empty (no persistence): consumers re-create their group and go on", async () => {
    const server = new PrivateRedis();
    await server.start();
    const q = await RedisQueue.open({ url: server.url, keyPrefix, dataDir, commandTimeoutMs: 500 });
    const topic = uniqueTopic();
    const c = new DeliveryCollector(q, topic, { group: "g", leaseMs: 5000 });
    try {
      const first = sampleEnvelope();
      await q.publish(topic, first);
      await (await c.next(5000)).ack();
      await server.kill();
      await sleep(200);
      await server.start();
      await eventually(() => q.ping());
      const second = sampleEnvelope();
      await q.publish(topic, second);
      expect((await c.next(8000)).message.id).toBe(second.id);
    } finally {
      await c.stop();
      await q.close();
      await server.destroy();
    }
  });

  it("REDIS_URL with a password: fromEnv connects; a wrong password makes ping() reject", async () => {
    const server = new PrivateRedis({ args: ["--requirepass", "s3cret"] });
    await server.start();
    const env = { REDIS_KEY_PREFIX: keyPrefix, SLACKLINE_DATA_DIR: dataDir };
    const q = (await redisBackend.fromEnv({
      ...env,
      REDIS_URL: `redis://:s3cret@127.0.0.1:${server.port}`,
    })) as RedisQueue;
    const wrong = await redisBackend.fromEnv({ ...env, REDIS_URL: `redis://:nope@127.0.0.1:${server.port}` });
    try {
      await q.ping();
      const refused = await wrong.ping().catch((e: Error) => e);
      expect(refused).toBeInstanceOf(Error);
      expect((refused as { code?: string }).code).toBe("SLACKLINE_BACKEND_UNREACHABLE");
      expect((refused as Error).message).toContain(`redis at redis://:***@127.0.0.1:${server.port}`);
      expect((refused as Error).message).not.toContain("nope");
      const topic = uniqueTopic();
      const envelope = sampleEnvelope();
      await q.publish(topic, envelope);
      const c = new DeliveryCollector(q, topic, { group: "g" });
      const d = await c.next(5000);
      expect(d.message).toEqual(envelope);
      await d.ack();
      await c.stop();
    } finally {
      await wrong.close();
      await q.close();
      await server.destroy();
    }
  });

  it("acks of concurrent deliveries are coalesced into few XACKs", async () => {
    const server = new PrivateRedis();
    await server.start();
    const q = await RedisQueue.open({ url: server.url, keyPrefix, dataDir });
    const admin = new Redis(server.url);
    const topic = uniqueTopic();
    // More than two XACKs' worth (at most 1000 ids each): every ack still resolves.
    const total = 2400;
    const c = new DeliveryCollector(q, topic, { group: "g", leaseMs: 10_000 });
    try {
      await Promise.all(Array.from({ length: total }, () => q.publish(topic, sampleEnvelope())));
      const got = await c.take(total, 10_000);
      await admin.config("RESETSTAT");
      await Promise.all(got.map((d) => d.ack()));
      const info = await admin.info("commandstats");
      const calls = Number(/cmdstat_xack:calls=(\d+)/.exec(info)?.[1] ?? 0);
      expect(calls).toBeGreaterThanOrEqual(3);
      expect(calls).toBeLessThanOrEqual(6);
      expect((await q.stats(topic, "g")).depth).toBe(0);
    } finally {
      await c.stop();
      admin.disconnect();
      await q.close();
      await server.destroy();
    }
  });
});
