import { afterEach, describe, expect, it } from "vitest";
import type { QueueBackend } from "../../queue/types.js";
import { DeliveryCollector } from "../collector.js";
import { sampleEnvelope, uniqueTopic } from "../envelopes.js";
import type { QueueContractOptions } from "./options.js";

/** For backends with publishOnce(): the same id is published once within the TTL, atomically. */
export function publishOnceContract(options: QueueContractOptions): void {
  describe(`QueueBackend.publishOnce contract: ${options.name}`, () => {
    const opened: QueueBackend[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((b) => b.close().catch(() => {})));
    });
    const open = async () => {
      const b = await options.create();
      opened.push(b);
      if (!b.publishOnce) throw new Error(`${options.name} has no publishOnce()`);
      return b as QueueBackend & Required<Pick<QueueBackend, "publishOnce">>;
    };

    it("publishes an id once; concurrent and later copies are duplicates", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const envelope = sampleEnvelope();
      const results = await Promise.all(Array.from({ length: 8 }, () => q.publishOnce(topic, envelope, 60)));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      expect(await q.publishOnce(topic, envelope, 60)).toBeNull();
      const c = new DeliveryCollector(q, topic, { group: "g" });
      try {
        const d = await c.next(5000);
        expect(d.message.id).toBe(envelope.id);
        await d.ack();
        expect(await c.poll(500)).toBeNull();
      } finally {
        await c.stop();
      }
    });

    it("different ids are all published", async () => {
      const q = await open();
      const topic = uniqueTopic();
      const sent = Array.from({ length: 5 }, () => sampleEnvelope());
      const ids = await Promise.all(sent.map((e) => q.publishOnce(topic, e, 60)));
      expect(ids.every((id) => typeof id === "string")).toBe(true);
      const c = new DeliveryCollector(q, topic, { group: "g" });
      try {
        const got = await c.take(sent.length, 5000);
        expect(got.map((d) => d.message.id).sort()).toEqual(sent.map((e) => e.id).sort());
      } finally {
        await c.stop();
      }
    });
  });
}
