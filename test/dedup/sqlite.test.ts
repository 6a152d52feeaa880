import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteDedupStore } from "../../src/dedup/sqlite.js";
import { SqliteQueue } from "../../src/queue/backends/sqlite.js";
import { dedupStoreContract } from "../../src/testing/contract.js";
import { sampleEnvelope, uniqueTopic } from "../../src/testing/envelopes.js";

const dir = mkdtempSync(join(tmpdir(), "slackline-dedup-"));
let files = 0;
const freshPath = () => join(dir, `dedup-${++files}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

dedupStoreContract({ name: "sqlite", create: () => new SqliteDedupStore({ path: freshPath() }) });

describe("SqliteDedupStore on the queue's file", () => {
  it("agrees with publishOnce(): a key published by one is a duplicate for the other", async () => {
    const path = freshPath();
    const queue = new SqliteQueue({ path });
    const store = new SqliteDedupStore({ path });
    try {
      const published = sampleEnvelope();
      expect(await queue.publishOnce(uniqueTopic(), published, 60)).not.toBeNull();
      expect(await store.claim(published.id, 10)).toBe("duplicate");

      const claimed = sampleEnvelope();
      expect(await store.claim(claimed.id, 10)).toBe("claimed");
      await store.confirm(claimed.id, 60);
      expect(await queue.publishOnce(uniqueTopic(), claimed, 60)).toBeNull();
    } finally {
      await queue.close();
      await store.close();
    }
  });

  it("two stores on one file (as two processes) agree", async () => {
    const path = freshPath();
    const [a, b] = [new SqliteDedupStore({ path }), new SqliteDedupStore({ path })];
    try {
      expect(await a.claim("k1", 10)).toBe("claimed");
      expect(await b.claim("k1", 10)).toBe("in_flight");
      await a.confirm("k1", 60);
      expect(await b.claim("k1", 10)).toBe("duplicate");
      await b.mark("k2", 60);
      expect([...(await a.marked(["k1", "k2", "k3"]))].sort()).toEqual(["k1", "k2"]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("sweep() deletes expired keys only", async () => {
    const store = new SqliteDedupStore({ path: freshPath() });
    try {
      await store.mark("short", 0);
      await store.mark("long", 60);
      expect(await store.sweep()).toBe(1);
      expect([...(await store.marked(["short", "long"]))]).toEqual(["long"]);
    } finally {
      await store.close();
    }
  });
});
