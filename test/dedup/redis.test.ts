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
import { sleep } from "../helpers/wait.js";

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

  it("keeps each marker in one sorted set, scored by its own expiry", async () => {
    const store = await RedisDedupStore.open({ url: REDIS_URL, keyPrefix });
    const raw = new Redis(REDIS_URL);
    try {
      const expiry = async (key: string) => Number(await raw.zscore(`${keyPrefix}markers`, key));
      const [short, long] = [`m:${randomUUID()}`, `m:${randomUUID()}`];
      const before = Date.now();
      // One ZADD for both (same turn), each with its own TTL.
      await Promise.all([store.mark(short, 0.3), store.mark(long, 3600)]);
      expect(await expiry(short)).toBeGreaterThanOrEqual(before + 300);
      expect(await expiry(short)).toBeLessThanOrEqual(Date.now() + 300);
      expect(await expiry(long)).toBeGreaterThanOrEqual(before + 3_600_000);
      // The claims' keys are left alone: a marker is not an ingress dedup key.
      expect(await raw.exists(`${keyPrefix}dedup:${short}`)).toBe(0);
      expect([...(await store.marked([short, long]))].sort()).toEqual([short, long].sort());
      await sleep(400);
      // Past its expiry a marker is not done, whether or not it was removed yet...
      expect([...(await store.marked([short, long]))]).toEqual([long]);
      // ...and removing expired ones drops it and keeps the live one.
      expect(await store.dropExpiredMarkers(0)).toBeGreaterThanOrEqual(1);
      expect(await raw.zscore(`${keyPrefix}markers`, short)).toBeNull();
      expect(await expiry(long)).toBeGreaterThan(Date.now());
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
