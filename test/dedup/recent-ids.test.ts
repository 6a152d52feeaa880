import { describe, expect, it } from "vitest";
import { RecentIds } from "../../src/dedup/recent-ids.js";

describe("RecentIds (the memory backend's publishOnce window, the MCP inbox's redeliveries)", () => {
  it("knows an id until its window ends", () => {
    const ids = new RecentIds(10);
    ids.add("a", 1000, 0);
    expect(ids.has("a", 999)).toBe(true);
    expect(ids.has("a", 1000)).toBe(false);
    expect(ids.has("b", 0)).toBe(false);
  });

  it("drops expired ids as new ones come", () => {
    const ids = new RecentIds(10);
    ids.add("a", 100, 0);
    ids.add("b", 1000, 50);
    ids.add("c", 1000, 150); // a has expired: dropped from the front
    expect(["a", "b", "c"].map((id) => ids.has(id, 150))).toEqual([false, true, true]);
  });

  it("keeps at most `max`, dropping the oldest", () => {
    const ids = new RecentIds(3);
    for (const [i, id] of ["a", "b", "c", "d"].entries()) ids.add(id, 10_000, i);
    expect(["a", "b", "c", "d"].map((id) => ids.has(id, 10))).toEqual([false, true, true, true]);
  });

  it("without a TTL, keeps ids until the bound pushes them out; a re-added id becomes the newest", () => {
    const ids = new RecentIds(2);
    ids.add("a");
    ids.add("b");
    ids.add("a"); // now newest
    ids.add("c"); // over the bound: b, the oldest, goes
    expect(["a", "b", "c"].map((id) => ids.has(id))).toEqual([true, false, true]);
  });
});
