import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteDedupStore } from "../../src/dedup/sqlite.js";
import { Router } from "../../src/handlers/router.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { RabbitQueue } from "../../src/queue/backends/rabbitmq.js";
import type { Delivery } from "../../src/queue/types.js";
import { DeliveryCollector } from "../../src/testing/collector.js";
import { sampleEnvelope, uniqueTopic } from "../../src/testing/envelopes.js";
import { Worker } from "../../src/worker/worker.js";
import { AMQP_URL, requireService } from "../helpers/services.js";
import { sleep, until } from "../helpers/wait.js";

const available = await requireService("RabbitMQ", AMQP_URL);
const created: RabbitQueue[] = [];
const dir = mkdtempSync(join(tmpdir(), "slackline-rabbit-worker-"));

async function open(): Promise<RabbitQueue> {
  const q = await RabbitQueue.fromEnv({ AMQP_URL, SLACKLINE_GROUPS: "g" });
  created.push(q);
  return q;
}

describe.skipIf(!available)("rabbitmq backend under the real Worker", () => {
  afterAll(async () => {
    await Promise.all(created.map((q) => q.close()));
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createChannel();
    for (const q of created) {
      for (const name of q.topology.declaredQueues) await ch.deleteQueue(name);
      for (const name of q.topology.declaredExchanges) await ch.deleteExchange(name);
    }
    await conn.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("every event handled once, failures retried, poison dead-lettered, nothing left unacked", async () => {
    const topic = uniqueTopic();
    const queue = await open();
    const markers = new SqliteDedupStore({ path: join(dir, "markers.db") });
    const handled = new Map<string, number>();
    const failedOnce = new Set<string>();
    const router = new Router().appMention((_event, ctx) => {
      const id = ctx.envelope.id;
      if (id === "EvPOISON") throw new Error("poison");
      if (id.endsWith("7") && !failedOnce.has(id)) {
        failedOnce.add(id);
        throw new Error("flaky");
      }
      handled.set(id, (handled.get(id) ?? 0) + 1);
    });
    const sent = Array.from({ length: 200 }, (_, i) =>
      sampleEnvelope({ id: `Ev${String(i).padStart(5, "0")}` }),
    );
    await Promise.all([...sent, sampleEnvelope({ id: "EvPOISON" })].map((e) => queue.publish(topic, e)));
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
      leaseMs: 5000,
    });
    const running = worker.start();
    try {
      await until(
        async () => handled.size >= sent.length && (await queue.listDeadLetters(topic)).length === 1,
        15_000,
      );
      expect([...handled.values()].every((n) => n === 1)).toBe(true);
      expect(failedOnce.size).toBe(sent.filter((e) => e.id.endsWith("7")).length);
      expect((await queue.listDeadLetters(topic))[0]).toMatchObject({ group: "g", attempts: 2 });
      await until(async () => (await queue.stats(topic, "g")).depth === 0, 5000);
    } finally {
      await worker.stop(1000);
      await running;
      await markers.close();
    }
    // The acks reached the broker: a new consumer of the group finds nothing.
    const after = new DeliveryCollector(await open(), topic, { group: "g", leaseMs: 5000 });
    expect(await after.poll(500)).toBeNull();
    await after.stop();
  });

  it("acks of one turn ack only what they name: an older unsettled message stays the consumer's", async () => {
    const topic = uniqueTopic();
    const queue = await open();
    const sent = Array.from({ length: 4 }, () => sampleEnvelope());
    for (const e of sent) await queue.publish(topic, e);
    const ac = new AbortController();
    const iterator = queue
      .consumeBatches(topic, { group: "g", leaseMs: 5000, signal: ac.signal })
      [Symbol.asyncIterator]();
    const got: Delivery[] = [];
    while (got.length < sent.length) got.push(...((await iterator.next()).value as Delivery[]));
    expect(got.map((d) => d.message.id)).toEqual(sent.map((e) => e.id));
    // The first stays unsettled; the others are acked in one turn (their ack shares one promise).
    const acks = got.slice(1).map((d) => d.ack());
    expect(new Set(acks).size).toBe(1);
    await Promise.all(acks);
    await sleep(100);
    // Stopping hands the unsettled one back: it comes again, and only it.
    ac.abort();
    await iterator.return?.();
    const again = new DeliveryCollector(queue, topic, { group: "g", leaseMs: 5000 });
    const back = await again.next(5000);
    expect(back.message.id).toBe(sent[0]!.id);
    expect(back.attempt).toBe(2);
    await back.ack();
    expect(await again.poll(500)).toBeNull();
    await again.stop();
  });
});
