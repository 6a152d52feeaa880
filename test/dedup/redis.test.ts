import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisDedupStore, redisDedupFactory } from "../../src/dedup/redis.js";
import { resolveMarkerStore } from "../../src/dedup/registry.js";
import { RedisQueue } from "../../src/queue/backends/redis.js";
import { dedupStoreContract } from "../../src/testing/contract.js";
import { sampleEnvelope, uniqueTopic } from "../../src/testing/envelopes.js";
import { dropRedisKeys } from "../helpers/broker-cleanup.js";
import { REDIS_URL, requireService } from "../helpers/services.js";

const available = await requireService("Redis", REDIS_URL);
const keyPrefix = `slackline-test:dedup:${randomUUID().slice(0, 8)}:`;

describe.skipIf(!available)("redis dedup store", () => {
  afterAll(() => dropRedisKeys(REDIS_URL, keyPrefix));

  dedupStoreContract({ name: "redis", create: () => RedisDedupStore.open({ url: REDIS_URL, keyPrefix }) });

  it("fromEnv reads REDIS_URL and REDIS_KEY_PREFIX", async () => {
    const store = await redisDedupFactory.fromEnv({ REDIS_URL, REDIS_KEY_PREFIX: keyPrefix });
    const raw = new Redis(REDIS_URL);
    try {
      const key = `k:${randomUUID()}`;
      expect(await store.claim(key, 10)).toBe("claimed");
      expect(await raw.get(`${keyPrefix}dedup:${key}`)).toBe("pending");
      await store.confirm(key, 60);
      expect(await raw.get(`${keyPrefix}dedup:${key}`)).toBe("done");
      expect(await raw.pttl(`${keyPrefix}dedup:${key}`)).toBeGreaterThan(50_000);
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it("shares its keys with the queue's publishOnce()", async () => {
    const store = await RedisDedupStore.open({ url: REDIS_URL, keyPrefix });
    const queue = await RedisQueue.open({ url: REDIS_URL, keyPrefix });
    try {
      const topic = uniqueTopic();
      const published = sampleEnvelope();
      expect(await queue.publishOnce(topic, published, 60)).not.toBeNull();
      // A gateway on the claim path sees the fast path's publish as done...
      expect(await store.claim(published.id, 10)).toBe("duplicate");
      // ...and the fast path sees a claim in flight as not publishable yet (ingress answers 503, Slack retries).
      const claimed = sampleEnvelope();
      expect(await store.claim(claimed.id, 10)).toBe("claimed");
      await expect(queue.publishOnce(topic, claimed, 60)).rejects.toThrow(/INFLIGHT/);
      await store.confirm(claimed.id, 60);
      expect(await queue.publishOnce(topic, claimed, 60)).toBeNull();
    } finally {
      await queue.close();
      await store.close();
    }
  });

  it("marked() answers for many keys at once", async () => {
    const store = await RedisDedupStore.open({ url: REDIS_URL, keyPrefix });
    try {
      const keys = Array.from({ length: 200 }, () => `m:${randomUUID()}`);
      await Promise.all(keys.filter((_, i) => i % 3 === 0).map((k) => store.mark(k, 60)));
      const marked = await store.marked(keys);
      expect(marked.size).toBe(keys.filter((_, i) => i % 3 === 0).length);
    } finally {
      await store.close();
    }
  });

  it("marks of one turn keep each their own expiry, shared or not", async () => {
    const store = await RedisDedupStore.open({ url: REDIS_URL, keyPrefix });
    const raw = new Redis(REDIS_URL);
    try {
      const pttl = (key: string) => raw.pttl(`${keyPrefix}dedup:${key}`);
      const marker = () => `m:${randomUUID()}`;
      // One script call with one TTL for all...
      const [a, b] = [marker(), marker()];
      await Promise.all([store.mark(a, 60), store.mark(b, 60)]);
      for (const key of [a, b]) expect(await pttl(key)).toBeGreaterThan(55_000);
      // ...and with one TTL each when they differ.
      const [short, long] = [marker(), marker()];
      await Promise.all([store.mark(short, 5), store.mark(long, 3600)]);
      expect(await pttl(short)).toBeGreaterThan(0);
      expect(await pttl(short)).toBeLessThanOrEqual(5_000);
      expect(await pttl(long)).toBeGreaterThan(3_500_000);
      expect([...(await store.marked([a, b, short, long]))].sort()).toEqual([a, b, short, long].sort());
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it("a worker's markers use the Redis queue's own connection unless DEDUP_STORE names a store", async () => {
    const queue = await RedisQueue.open({ url: REDIS_URL, keyPrefix });
    const env = { REDIS_URL, REDIS_KEY_PREFIX: keyPrefix };
    const connectionOf = (store: object) => (store as { client?: unknown }).client;
    try {
      const shared = await resolveMarkerStore(env, queue);
      expect(connectionOf(shared)).toBe(queue.client);
      const key = `m:${randomUUID()}`;
      await shared.mark(key, 60);
      expect([...(await shared.marked([key]))]).toEqual([key]);
      await shared.close();
      // Closing the store leaves the queue's connection open.
      await queue.ping();
      expect(await queue.publish(uniqueTopic(), sampleEnvelope())).toMatch(/^\d+-\d+$/);
      // DEDUP_STORE set: a store of its own, over the same keys.
      const own = await resolveMarkerStore({ ...env, DEDUP_STORE: "redis" }, queue);
      try {
        expect(connectionOf(own)).not.toBe(queue.client);
        expect([...(await own.marked([key]))]).toEqual([key]);
      } finally {
        await own.close();
      }
    } finally {
      await queue.close();
    }
  });
});
