import { describe, expect, it } from "vitest";
import { TurnBatcher } from "../../src/queue/turn-batcher.js";

describe("TurnBatcher", () => {
  it("runs the calls of one turn as one batch and answers each in order", async () => {
    const runs: number[][] = [];
    const batcher = new TurnBatcher(async (inputs: number[]) => {
      runs.push(inputs);
      return inputs.map((n) => n * 10);
    });
    const answers = await Promise.all([1, 2, 3].map((n) => batcher.add(n)));
    expect(answers).toEqual([10, 20, 30]);
    expect(runs).toEqual([[1, 2, 3]]);
    expect(await batcher.add(4)).toBe(40);
    expect(runs).toEqual([[1, 2, 3], [4]]);
  });

  it("splits past maxBatch, and a failed batch rejects only its own calls", async () => {
    const batcher = new TurnBatcher(async (inputs: number[]) => {
      if (inputs.includes(3)) throw new Error("batch with 3 failed");
      return inputs;
    }, 2);
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => batcher.add(n)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "rejected"]);
  });

  it("an answer that is an Error rejects its own call only", async () => {
    const batcher = new TurnBatcher(async (inputs: number[]) =>
      inputs.map((n) => (n === 2 ? new Error("two failed") : n)),
    );
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.add(n)));
    expect(results).toEqual([
      { status: "fulfilled", value: 1 },
      { status: "rejected", reason: new Error("two failed") },
      { status: "fulfilled", value: 3 },
    ]);
  });
});
