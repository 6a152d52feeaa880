import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteDedupStore } from "../../src/dedup/sqlite.js";
import { SqliteQueue } from "../../src/queue/backends/sqlite.js";
import { DeliveryCollector } from "../../src/testing/collector.js";
import { sampleEnvelope } from "../../src/testing/envelopes.js";
import { tempDir } from "../helpers/cli.js";

describe("SQLite acks and processed-markers share one commit per event-loop turn", () => {
  it("acks given just before close() are committed: nothing comes back after a reopen", async () => {
    const path = join(tempDir(), "queue.db");
    const first = new SqliteQueue({ path });
    for (let i = 0; i < 20; i++) await first.publish("batched", sampleEnvelope());
    const collector = new DeliveryCollector(first, "batched", { group: "g" });
    const deliveries = await collector.take(20);
    // Not awaited: they are still queued for the turn's commit when close() runs.
    const acks = deliveries.map((d) => d.ack());
    await first.close();
    await Promise.all(acks);
    await collector.stop();

    const second = new SqliteQueue({ path });
    try {
      expect((await second.stats("batched", "g")).depth).toBe(0);
      const again = new DeliveryCollector(second, "batched", { group: "g" });
      expect(await again.poll(300)).toBeNull();
      await again.stop();
    } finally {
      await second.close();
    }
  });

  it("marks given just before close() are committed", async () => {
    const path = join(tempDir(), "queue.db");
    const store = new SqliteDedupStore({ path });
    const marks = ["a", "b", "c"].map((k) => store.mark(`done:g:${k}`, 60));
    await store.close();
    await Promise.all(marks);
    const reopened = new SqliteDedupStore({ path });
    try {
      expect([...(await reopened.marked(["done:g:a", "done:g:b", "done:g:c", "done:g:d"]))].sort()).toEqual([
        "done:g:a",
        "done:g:b",
        "done:g:c",
      ]);
    } finally {
      await reopened.close();
    }
  });
});
