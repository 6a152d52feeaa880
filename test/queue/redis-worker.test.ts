import { afterAll, describe, expect, it } from "vitest";
import { RedisDedupStore } from "../../src/dedup/redis.js";
import { Router } from "../../src/handlers/router.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { sampleEnvelope, uniqueTopic } from "../../src/testing/envelopes.js";
import { Worker } from "../../src/worker/worker.js";
import { storeOver } from "../helpers/dedup.js";
import { REDIS_URL, requireService } from "../helpers/services.js";
import { sleep, until } from "../helpers/wait.js";
import { redisTestSpace } from "./redis-helpers.js";

const available = await requireService("Redis", REDIS_URL);
const space = redisTestSpace("worker");

describe.skipIf(!available)("redis backend under the real Worker", () => {
  afterAll(() => space.cleanup());

  it("two workers, concurrency 16: every event handled once, failures retried, poison dead-lettered", async () => {
    const topic = uniqueTopic();
    const queues = [await space.open(), await space.open()];
    const markers = await RedisDedupStore.open({ url: REDIS_URL, keyPrefix: space.keyPrefix });
    const handled = new Map<string, number>();
    const failedOnce = new Set<string>();
    const router = new Router().appMention(async (_event, ctx) => {
      const id = ctx.envelope.id;
      await sleep(Math.random() * 5);
      if (id.startsWith("EvPOISON")) throw new Error("poison");
      if (id.endsWith("7") && !failedOnce.has(id)) {
        failedOnce.add(id);
        throw new Error("flaky");
      }
      handled.set(id, (handled.get(id) ?? 0) + 1);
    });
    const workers = queues.map(
      (backend) =>
        new Worker({
          backend,
          topic,
          group: "g",
          router,
          markers,
          metrics: new Metrics(),
          logger: silentLogger,
          concurrency: 16,
          maxAttempts: 3,
          backoff: { baseMs: 20, capMs: 100 },
          leaseMs: 5000,
        }),
    );
    const running = workers.map((w) => w.start());
    try {
      const sent = Array.from({ length: 300 }, (_, i) =>
        sampleEnvelope({ id: `Ev${String(i).padStart(5, "0")}` }),
      );
      const poison = [sampleEnvelope({ id: "EvPOISON1" }), sampleEnvelope({ id: "EvPOISON2" })];
      await Promise.all([...sent, ...poison].map((e) => queues[0]!.publish(topic, e)));
      await until(
        async () =>
          handled.size >= sent.length && (await queues[0]!.listDeadLetters(topic)).length >= poison.length,
        15_000,
      );
      expect([...handled.values()].every((n) => n === 1)).toBe(true);
      expect(failedOnce.size).toBe(sent.filter((e) => e.id.endsWith("7")).length);
      const dead = await queues[0]!.listDeadLetters(topic);
      expect(dead.map((d) => d.message.id).sort()).toEqual(["EvPOISON1", "EvPOISON2"]);
      expect(dead.every((d) => d.attempts === 3 && d.reason.includes("poison"))).toBe(true);
      await sleep(100);
      expect((await queues[0]!.stats(topic, "g")).depth).toBe(0);
    } finally {
      await Promise.all(workers.map((w) => w.stop(1000)));
      await Promise.all(running);
      await Promise.all(queues.map((q) => q.close()));
      await markers.close();
    }
  });

  it("looks up the processed-markers of a read's entries in one call, and skips what was done", async () => {
    const topic = uniqueTopic();
    const queue = await space.open();
    const store = await RedisDedupStore.open({ url: REDIS_URL, keyPrefix: space.keyPrefix });
    const lookups: string[][] = [];
    const markers = storeOver(store, {
      name: "counting",
      marked: (keys) => {
        lookups.push([...keys]);
        return store.marked(keys);
      },
    });
    const sent = Array.from({ length: 10 }, () => sampleEnvelope());
    // One of them was handled already (a duplicate publish, a redelivery after a lost ack).
    await store.mark(`done:g:${sent[3]!.id}:app_mention#0`, 60);
    await Promise.all(sent.map((e) => queue.publish(topic, e)));
    const handled: string[] = [];
    const metrics = new Metrics();
    const worker = new Worker({
      backend: queue,
      topic,
      group: "g",
      router: new Router().appMention((_event, ctx) => void handled.push(ctx.envelope.id)),
      markers,
      metrics,
      logger: silentLogger,
      concurrency: 16,
    });
    const running = worker.start();
    try {
      await until(async () => handled.length >= 9 && (await queue.stats(topic, "g")).depth === 0);
      expect(lookups[0]).toEqual(sent.map((e) => `done:g:${e.id}:app_mention#0`));
      expect(lookups).toHaveLength(1);
      expect(handled.sort()).toEqual(
        sent
          .filter((_, i) => i !== 3)
          .map((e) => e.id)
          .sort(),
      );
      // Acked together (one XACK), yet each counted; every handled event now has its marker.
      const counted = await metrics.registry.getSingleMetricAsString("slackline_deliveries_total");
      expect(counted).toMatch(/result="acked"\} 9/);
      expect(counted).toMatch(/result="skipped_processed"\} 1/);
      const keys = sent.map((e) => `done:g:${e.id}:app_mention#0`);
      expect((await store.marked(keys)).size).toBe(10);
    } finally {
      await worker.stop(1000);
      await running;
      await queue.close();
      await store.close();
    }
  });
});
