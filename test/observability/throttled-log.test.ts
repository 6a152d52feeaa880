import { afterEach, describe, expect, it, vi } from "vitest";
import { ThrottledLog } from "../../src/observability/throttled-log.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("ThrottledLog", () => {
  it("writes the first hit at once and holds the rest of its interval back", () => {
    let now = 0;
    const lines: Array<[string, number, string]> = [];
    const log = new ThrottledLog<string>(
      1000,
      (d, held, why) => lines.push([d, held, why]),
      () => now,
    );
    log.hit("a");
    log.hit("b");
    log.hit("c");
    now = 1500;
    log.hit("d");
    expect(lines).toEqual([
      ["a", 0, "hit"],
      ["d", 2, "hit"],
    ]);
  });

  it("with flush, writes what was held back when its interval ends", async () => {
    vi.useFakeTimers();
    const lines: Array<[string, number, string]> = [];
    const log = new ThrottledLog<string>(1000, (d, held, why) => lines.push([d, held, why]), Date.now, {
      flush: true,
    });
    log.hit("a");
    log.hit("b");
    log.hit("c");
    expect(lines).toEqual([["a", 0, "hit"]]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(lines).toEqual([
      ["a", 0, "hit"],
      ["c", 2, "flush"],
    ]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(lines).toHaveLength(2);
  });
});
