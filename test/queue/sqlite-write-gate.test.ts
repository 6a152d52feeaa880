import { describe, expect, it } from "vitest";
import { SqliteLockedError, WriteGate } from "../../src/queue/backends/sqlite/write-gate.js";
import { until } from "../helpers/wait.js";

const busy = () => Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });

/** A write that meets the lock `times` times, then succeeds with `value`. */
function lockedFor<T>(times: number, value: T) {
  let calls = 0;
  const write = () => {
    calls++;
    if (calls <= times) throw busy();
    return value;
  };
  return { write, calls: () => calls };
}

describe("WriteGate", () => {
  it("runs a write at once when the lock is free, synchronously", () => {
    const gate = new WriteGate(1000);
    let result: number | undefined;
    gate.run(
      () => 42,
      (_err, value) => {
        result = value;
      },
    );
    expect(result).toBe(42);
    expect(gate.waiting).toBe(false);
  });

  it("retries a write that met the lock, off the event loop, and keeps the order of later writes", async () => {
    const gate = new WriteGate(1000);
    const first = lockedFor(3, "first");
    const order: string[] = [];
    const a = gate.runAsync(first.write).then((v) => order.push(v));
    expect(gate.waiting).toBe(true);
    // The lock may be free for this one, but it must not overtake the first.
    const b = gate.runAsync(() => "second").then((v) => order.push(v));
    await Promise.all([a, b]);
    expect(order).toEqual(["first", "second"]);
    expect(first.calls()).toBe(4);
    expect(gate.waiting).toBe(false);
    expect(gate.lockedForMs()).toBe(0);
  });

  it("fails a write at its deadline with SqliteLockedError, and never runs it after", async () => {
    const gate = new WriteGate(150);
    const held = lockedFor(Number.POSITIVE_INFINITY, "never");
    const started = Date.now();
    const err = await gate.runAsync(held.write).catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect(err).toBeInstanceOf(SqliteLockedError);
    expect((err as SqliteLockedError).code).toBe("SLACKLINE_SQLITE_LOCKED");
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(400);
    const calls = held.calls();
    await new Promise((r) => setTimeout(r, 150));
    expect(held.calls()).toBe(calls);
    expect(gate.waiting).toBe(false);
  });

  it("a write that fails for another reason rejects alone", async () => {
    const gate = new WriteGate(1000);
    const first = lockedFor(1, "ok");
    const a = gate.runAsync(first.write);
    const b = gate.runAsync(() => {
      throw new Error("constraint failed");
    });
    const c = gate.runAsync(() => "also ok");
    await expect(a).resolves.toBe("ok");
    await expect(b).rejects.toThrow("constraint failed");
    await expect(c).resolves.toBe("also ok");
  });

  it("reports how long writes have waited, and each write may bring its own bound", async () => {
    const gate = new WriteGate(50);
    const held = lockedFor(Number.POSITIVE_INFINITY, 0);
    const short = gate.runAsync(held.write).catch((e: unknown) => e);
    const long = gate.runAsync(held.write, 400).catch((e: unknown) => e);
    expect(await short).toBeInstanceOf(SqliteLockedError);
    await until(() => gate.lockedForMs() > 100, 1000);
    expect(gate.waiting).toBe(true);
    expect(await long).toBeInstanceOf(SqliteLockedError);
    // Nothing waits now: still "locked" until a probe (or a write) gets through.
    expect(gate.lockedForMs()).toBeGreaterThan(300);
    expect(
      gate.lockedForMs(() => {
        throw busy();
      }),
    ).toBeGreaterThan(300);
    expect(gate.lockedForMs(() => {})).toBe(0);
  });

  it("close() gives what waits one last try and fails the rest", async () => {
    const gate = new WriteGate(10_000);
    const held = lockedFor(Number.POSITIVE_INFINITY, 0);
    const waiting = gate.runAsync(held.write).catch((e: unknown) => e);
    gate.close();
    expect(await waiting).toBeInstanceOf(SqliteLockedError);
    await expect(gate.runAsync(() => 1)).rejects.toBeInstanceOf(SqliteLockedError);
  });
});
