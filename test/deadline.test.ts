import { describe, expect, it } from "vitest";
import { DeadlineError, settleWithin, withDeadline } from "../src/deadline.js";
import { hasCode } from "../src/errors.js";

const never = () => new Promise<never>(() => {});

describe("withDeadline", () => {
  it("passes a value or a rejection through when the promise settles in time", async () => {
    await expect(withDeadline(Promise.resolve(7), 1000, "x")).resolves.toBe(7);
    const boom = new Error("boom");
    await expect(withDeadline(Promise.reject(boom), 1000, "x")).rejects.toBe(boom);
  });

  it("rejects with a coded DeadlineError naming what did not answer", async () => {
    const err = await withDeadline(never(), 20, "the ping").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineError);
    expect(hasCode(err, "SLACKLINE_DEADLINE")).toBe(true);
    expect((err as Error).message).toBe("the ping did not answer within 20 ms");
  });
});

describe("settleWithin", () => {
  it("returns once the promise settles, whatever its outcome", async () => {
    await expect(settleWithin(Promise.reject(new Error("closed")), 1000)).resolves.toBeUndefined();
    await expect(settleWithin(Promise.resolve("ok"), 1000)).resolves.toBeUndefined();
  });

  it("returns after the bound when the promise never settles", async () => {
    const started = performance.now();
    await settleWithin(never(), 30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
});
