/**
 * The contract every queue backend must pass. Runs under vitest:
 *
 *   queueBackendContract({ name: "mine", create: () => MyQueue.fromEnv(process.env) });
 *
 * Each test uses its own topic, so a shared server is fine. Backends whose lease or retry timers
 * are coarse pass a longer `leaseMs`. The worker's signals (UnrecoverableError, RetryLaterError) are
 * part of it: they run a real Worker over the backend.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { QueueBackend } from "../../queue/types.js";
import { DeliveryCollector } from "../collector.js";
import { sampleEnvelope, uniqueTopic } from "../envelopes.js";
import type { QueueContractOptions } from "./options.js";
import { workerSignalsContract } from "./worker-signals.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function queueBackendContract(options: QueueContractOptions): void {
  const leaseMs = options.leaseMs ?? 400;
  const timeout = options.timeoutMs ?? 20_000;
  const wait = Math.max(5000, leaseMs * 6);

  describe(`QueueBackend contract: ${options.name}`, () => {
    const opened: QueueBackend[] = [];
    const collectors: DeliveryCollector[] = [];
    const open = async (): Promise<QueueBackend> => {
      const backend = await options.create();
      opened.push(backend);
      return backend;
    };
    const collect = (
      backend: QueueBackend,
      topic: string,
      group: string,
      consumer?: string,
      max?: number,
    ) => {
      const c = new DeliveryCollector(backend, topic, {
        group,
        leaseMs,
        max,
        ...(consumer ? { consumer } : {}),
      });
      collectors.push(c);
      return c;
    };
    afterEach(async () => {
      await Promise.all(collectors.splice(0).map((c) => c.stop()));
      await Promise.all(opened.splice(0).map((b) => b.close().catch(() => {})));
    });

    const test = (title: string, fn: () => Promise<void>) => {
      const reason = options.skip?.[title];
      if (reason) {
        it.skip(`${title} (not applicable: ${reason})`, fn);
        return;
      }
      it(title, fn, timeout);
    };

    test("publish resolves with an id and the envelope arrives unchanged", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const envelope = sampleEnvelope();
      const id = await q.publish(topic, envelope);
      expect(typeof id).toBe("string");
      expect(id.length).toBeGreaterThan(0);
      const d = await collect(q, topic, "g").next(wait);
      expect(d.message).toEqual(envelope);
      expect(d.topic).toBe(topic);
      expect(d.attempt).toBe(1);
      await d.ack();
    });

    test("delivers in publish order", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const sent = Array.from({ length: 10 }, () => sampleEnvelope());
      for (const e of sent) await q.publish(topic, e);
      const c = collect(q, topic, "g");
      const got: string[] = [];
      for (let i = 0; i < sent.length; i++) {
        const d = await c.next(wait);
        got.push(d.message.id);
        await d.ack();
      }
      expect(got).toEqual(sent.map((e) => e.id));
    });

    test("messages published before a group first consumes still reach it", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const envelope = sampleEnvelope();
      await q.publish(topic, envelope);
      await sleep(100);
      const d = await collect(q, topic, "default").next(wait);
      expect(d.message.id).toBe(envelope.id);
      await d.ack();
    });

    test("an acked message is not delivered again", async () => {
      const q = await open();
      const topic = uniqueTopic();
      await q.publish(topic, sampleEnvelope());
      const c = collect(q, topic, "g");
      await (await c.next(wait)).ack();
      expect(await c.poll(leaseMs * 3)).toBeNull();
      const fresh = collect(q, topic, "g");
      expect(await fresh.poll(leaseMs * 2)).toBeNull();
      expect((await q.stats(topic, "g")).depth).toBe(0);
    });

    test("an unsettled message comes back to the group after its lease expires", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const envelope = sampleEnvelope();
      await q.publish(topic, envelope);
      const a = collect(q, topic, "g", "consumer-a", 1);
      const first = await a.next(wait);
      expect(first.attempt).toBe(1);
      // consumer-a keeps the lease but never settles it: it is as good as dead.
      const b = collect(q, topic, "g", "consumer-b");
      const again = await b.next(wait + leaseMs * 4);
      expect(again.message.id).toBe(envelope.id);
      expect(again.attempt).toBe(2);
      await again.ack();
      // The stale holder's late ack must not disturb anything.
      await first.ack();
    });

    test("extend() keeps a live consumer's lease", async () => {
      const q = await open();
      const topic = uniqueTopic();
      await q.publish(topic, sampleEnvelope());
      const a = collect(q, topic, "g", "consumer-a", 1);
      const held = await a.next(wait);
      const b = collect(q, topic, "g", "consumer-b");
      const until = Date.now() + leaseMs * 3;
      while (Date.now() < until) {
        await held.extend();
        expect(await b.poll(leaseMs / 4)).toBeNull();
      }
      await held.ack();
      expect(await b.poll(leaseMs * 2)).toBeNull();
    });

    test("retry(delay) redelivers after the delay with the attempt counted", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const envelope = sampleEnvelope();
      await q.publish(topic, envelope);
      const c = collect(q, topic, "g");
      const first = await c.next(wait);
      const delay = 600;
      const retriedAt = Date.now();
      await first.retry(delay, "handler failed");
      const second = await c.next(wait + delay);
      expect(Date.now() - retriedAt).toBeGreaterThanOrEqual(delay - 50);
      expect(second.message.id).toBe(envelope.id);
      expect(second.attempt).toBe(2);
      await second.ack();
    });

    test("retry(0) redelivers promptly", async () => {
      const q = await open();
      const topic = uniqueTopic();
      await q.publish(topic, sampleEnvelope());
      const c = collect(q, topic, "g");
      await (await c.next(wait)).retry(0);
      const again = await c.next(wait);
      expect(again.attempt).toBe(2);
      await again.ack();
    });

    test("deadLetter moves the message to <topic>.dlq, where it can be listed and replayed", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const envelope = sampleEnvelope();
      await q.publish(topic, envelope);
      const c = collect(q, topic, "g");
      const d = await c.next(wait);
      await d.deadLetter("Error: handler exploded");
      expect(await c.poll(leaseMs * 2)).toBeNull();
      const dead = await q.listDeadLetters(topic);
      expect(dead).toHaveLength(1);
      expect(dead[0]?.message).toEqual(envelope);
      expect(dead[0]?.reason).toContain("handler exploded");
      expect(dead[0]?.group).toBe("g");
      expect(dead[0]?.topic).toBe(topic);
      expect(dead[0]?.attempts).toBeGreaterThanOrEqual(1);
      expect(await q.replayDeadLetters(topic)).toBe(1);
      const back = await c.next(wait);
      expect(back.message).toEqual(envelope);
      await back.ack();
      expect(await q.listDeadLetters(topic)).toHaveLength(0);
    });

    test("replay and purge can pick dead letters by id", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const [e1, e2, e3] = [sampleEnvelope(), sampleEnvelope(), sampleEnvelope()];
      for (const e of [e1, e2, e3]) await q.publish(topic, e!);
      const c = collect(q, topic, "g");
      for (const d of await c.take(3, wait)) await d.deadLetter(`dead ${d.message.id}`);
      const dead = await q.listDeadLetters(topic);
      expect(dead.map((d) => d.message.id).sort()).toEqual([e1!.id, e2!.id, e3!.id].sort());
      const byMessage = new Map(dead.map((d) => [d.message.id, d.id]));
      expect(await q.replayDeadLetters(topic, { ids: [byMessage.get(e2!.id)!] })).toBe(1);
      expect((await c.next(wait)).message.id).toBe(e2!.id);
      expect(await q.purgeDeadLetters(topic, { ids: [byMessage.get(e1!.id)!] })).toBe(1);
      expect((await q.listDeadLetters(topic)).map((d) => d.message.id)).toEqual([e3!.id]);
      expect(await q.purgeDeadLetters(topic)).toBe(1);
      expect(await q.listDeadLetters(topic)).toHaveLength(0);
    });

    test("listDeadLetters reads a page at a time after a dead-letter id", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const sent = Array.from({ length: 5 }, () => sampleEnvelope());
      for (const e of sent) await q.publish(topic, e);
      const c = collect(q, topic, "g");
      for (const d of await c.take(sent.length, wait)) await d.deadLetter(`dead ${d.message.id}`);
      const all = await q.listDeadLetters(topic);
      expect(all).toHaveLength(sent.length);
      const paged: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await q.listDeadLetters(topic, { limit: 2, ...(after ? { after } : {}) });
        expect(page.length).toBeLessThanOrEqual(2);
        if (page.length === 0) break;
        paged.push(...page.map((d) => d.id));
        after = page[page.length - 1]!.id;
      }
      expect(paged).toEqual(all.map((d) => d.id));
      // A cursor still works once the dead letter it names is gone.
      await q.purgeDeadLetters(topic, { ids: [all[1]!.id] });
      expect((await q.listDeadLetters(topic, { after: all[1]!.id })).map((d) => d.id)).toEqual(
        all.slice(2).map((d) => d.id),
      );
    });

    test("two groups each get every message", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const sent = Array.from({ length: 5 }, () => sampleEnvelope());
      const g1 = collect(q, topic, "g1");
      const g2 = collect(q, topic, "g2");
      for (const e of sent) await q.publish(topic, e);
      for (const c of [g1, g2]) {
        const got = await c.take(sent.length, wait);
        expect(got.map((d) => d.message.id).sort()).toEqual(sent.map((e) => e.id).sort());
        for (const d of got) await d.ack();
      }
    });

    test("two consumers in one group never hold the same message at once", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const total = 30;
      const held = new Set<string>();
      const acked: string[] = [];
      let overlap = 0;
      const run = async (c: DeliveryCollector) => {
        while (acked.length < total) {
          const d = await c.poll(300);
          if (!d) continue;
          if (held.has(d.message.id)) overlap++;
          held.add(d.message.id);
          await sleep(Math.random() * 10);
          held.delete(d.message.id);
          acked.push(d.message.id);
          await d.ack();
        }
      };
      const a = collect(q, topic, "g", "a");
      const b = collect(q, topic, "g", "b");
      for (let i = 0; i < total; i++) await q.publish(topic, sampleEnvelope());
      await Promise.race([Promise.all([run(a), run(b)]), sleep(wait * 2)]);
      expect(overlap).toBe(0);
      expect(acked).toHaveLength(total);
      expect(new Set(acked).size).toBe(total);
    });

    test("a consumer that stops hands its unsettled messages back at once", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const envelope = sampleEnvelope();
      await q.publish(topic, envelope);
      const a = collect(q, topic, "g", "a");
      await a.next(wait);
      await a.stop();
      const b = collect(q, topic, "g", "b");
      // Well before the lease would have expired on its own.
      const back = await b.next(Math.max(2000, leaseMs));
      expect(back.message.id).toBe(envelope.id);
      await back.ack();
    });

    test("close() ends a running consume loop", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const c = collect(q, topic, "g");
      await sleep(100);
      const started = Date.now();
      await q.close();
      await Promise.race([c.done, sleep(5000)]);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(c.error).toBeNull();
    });

    test("publish after close() rejects", async () => {
      const q = await open();
      await q.close();
      await expect(q.publish(uniqueTopic(), sampleEnvelope())).rejects.toThrow();
    });

    test("ping() resolves and stats() counts what the group has not acked", async () => {
      const q = await open();
      await q.ping();
      const topic = uniqueTopic();
      const c = collect(q, topic, "g");
      await sleep(100);
      for (let i = 0; i < 3; i++) await q.publish(topic, sampleEnvelope());
      const d = await c.next(wait);
      await d.ack();
      const stats = await q.stats(topic, "g");
      expect(stats.depth).toBe(2);
      expect(stats.oldestAgeMs).not.toBeNull();
    });
  });
  workerSignalsContract(options);
}
