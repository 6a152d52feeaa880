import { randomUUID } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import type { DedupStore } from "../../src/dedup/types.js";
import { Router } from "../../src/handlers/router.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { NatsQueue } from "../../src/queue/backends/nats.js";
import { dedupStoreContract } from "../../src/testing/contract.js";
import { sampleEnvelope, uniqueTopic } from "../../src/testing/envelopes.js";
import { Worker } from "../../src/worker/worker.js";
import { storeOver } from "../helpers/dedup.js";
import { NATS_URL, requireService } from "../helpers/services.js";
import { sleep, until } from "../helpers/wait.js";

const available = await requireService("NATS", NATS_URL);
const prefix = `slt_${randomUUID().slice(0, 8)}`;
// The markers' bucket of this file, destroyed at the end with the streams.
const bucket = `slt_markers_${randomUUID().slice(0, 8)}`;
const env = { NATS_URL, NATS_STREAM_PREFIX: prefix, NATS_DEDUP_BUCKET: bucket };
const opened: NatsQueue[] = [];

async function open(): Promise<NatsQueue> {
  const q = await NatsQueue.fromEnv(env);
  opened.push(q);
  return q;
}

describe.skipIf(!available)("nats backend under the real Worker", () => {
  afterAll(async () => {
    await Promise.all(opened.map((q) => q.close()));
    const nc = await connect({ servers: NATS_URL });
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names())
      if (name.startsWith(`${prefix}_`) || name === `KV_${bucket}`) await jsm.streams.delete(name);
    await nc.close();
  });

  // The worker's marker store on the queue's own connection passes what every store passes.
  dedupStoreContract({ name: "nats markerStore()", create: async () => (await open()).markerStore() });

  it("closing the marker store leaves the queue open", async () => {
    const q = await open();
    const store = q.markerStore();
    await store.mark("k", 60);
    await store.close();
    const topic = uniqueTopic();
    await q.publish(topic, sampleEnvelope());
    expect((await q.stats(topic, "g")).depth).toBe(1);
  });

  it("every event handled once, a batch's markers looked up together, failures retried, poison dead-lettered", async () => {
    const topic = uniqueTopic();
    const queue = await open();
    const store = queue.markerStore();
    const lookups: number[] = [];
    const markers: DedupStore = storeOver(store, {
      name: "counting",
      marked: (keys) => {
        lookups.push(keys.length);
        return store.marked(keys);
      },
      markMany: (keys, ttl) => store.markMany!(keys, ttl),
    });
    const sent = Array.from({ length: 200 }, (_, i) =>
      sampleEnvelope({ id: `Ev${String(i).padStart(5, "0")}` }),
    );
    const poison = sampleEnvelope({ id: "EvPOISON" });
    // One was handled before (a redelivery after a lost ack): its handler must not run again.
    await store.mark(`done:g:${sent[3]!.id}:app_mention#0`, 60);
    const handled = new Map<string, number>();
    const failedOnce = new Set<string>();
    const router = new Router().appMention(async (_event, ctx) => {
      const id = ctx.envelope.id;
      if (id === poison.id) throw new Error("poison");
      if (id.endsWith("7") && !failedOnce.has(id)) {
        failedOnce.add(id);
        throw new Error("flaky");
      }
      handled.set(id, (handled.get(id) ?? 0) + 1);
    });
    await Promise.all([...sent, poison].map((e) => queue.publish(topic, e)));
    const worker = new Worker({
      backend: queue,
      topic,
      group: "g",
      router,
      markers,
      metrics: new Metrics(),
      logger: silentLogger,
      concurrency: 32,
      maxAttempts: 2,
      backoff: { baseMs: 20, capMs: 50 },
    });
    const running = worker.start();
    try {
      await until(
        async () => handled.size >= sent.length - 1 && (await queue.listDeadLetters(topic)).length === 1,
        15_000,
      );
      expect(handled.has(sent[3]!.id)).toBe(false);
      expect([...handled.values()].every((n) => n === 1)).toBe(true);
      expect(failedOnce.size).toBe(sent.filter((e) => e.id.endsWith("7")).length);
      const [dead] = await queue.listDeadLetters(topic);
      expect(dead).toMatchObject({ group: "g", attempts: 2 });
      expect(dead?.message.id).toBe(poison.id);
      // Batches, not one lookup per event.
      expect(lookups.length).toBeLessThan(sent.length / 2);
      await until(async () => (await queue.stats(topic, "g")).depth === 0, 5000);
      await sleep(200);
      expect([...handled.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await worker.stop(1000);
      await running;
    }
  });
});
