import { describe, expect, it } from "vitest";
import { MemoryDedupStore } from "../../src/dedup/memory.js";
import { MarkerWriter } from "../../src/worker/markers.js";
import { storeOver } from "../helpers/dedup.js";

/** A memory store that records each markMany() call (or lacks markMany, or fails). */
function store(options: { many?: boolean; failing?: boolean } = {}) {
  const inner = new MemoryDedupStore();
  const calls: string[][] = [];
  const s = storeOver(inner, {
    name: "recording",
    mark: async (k, t) => {
      if (options.failing) throw new Error("store down");
      await inner.mark(k, t);
    },
    ...(options.many
      ? {
          markMany: async (keys: readonly string[], t: number) => {
            calls.push([...keys]);
            if (options.failing) throw new Error("store down");
            await inner.markMany(keys, t);
          },
        }
      : {}),
  });
  return { s, calls };
}

describe("MarkerWriter", () => {
  it("writes the markers of one turn in one markMany() call, and those of the next in another", async () => {
    const { s, calls } = store({ many: true });
    const writer = new MarkerWriter(s, 60, () => {});
    const first = ["a", "b", "c"].map((k) => writer.add(k));
    // One turn's markers share one promise.
    expect(new Set(first).size).toBe(1);
    await Promise.all(first);
    await writer.add("d");
    expect(calls).toEqual([["a", "b", "c"], ["d"]]);
    expect([...(await s.marked(["a", "b", "c", "d", "e"]))].sort()).toEqual(["a", "b", "c", "d"]);
  });

  it("falls back to mark() per key for a store without markMany()", async () => {
    const { s } = store();
    const writer = new MarkerWriter(s, 60, () => {});
    await Promise.all(["a", "b"].map((k) => writer.add(k)));
    expect([...(await s.marked(["a", "b"]))].sort()).toEqual(["a", "b"]);
  });

  it("never rejects: a failed write is reported with its keys", async () => {
    for (const many of [true, false]) {
      const { s } = store({ many, failing: true });
      const failures: Array<readonly string[]> = [];
      const writer = new MarkerWriter(s, 60, (keys) => failures.push(keys));
      await expect(Promise.all(["a", "b"].map((k) => writer.add(k)))).resolves.toBeDefined();
      expect(failures).toEqual([["a", "b"]]);
    }
  });
});
