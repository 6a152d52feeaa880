import { describe, expect, it } from "vitest";
import { RecentIds } from "../../src/queue/backends/memory/recent-ids.js";

describe("RecentIds (the memory backend's publishOnce window)", () => {
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

  it("forgets an id on delete", () => {
    const ids = new RecentIds(10);
    ids.add("a", 1000, 0);
    ids.delete("a");
    expect(ids.has("a", 1)).toBe(false);
  });
});
