import { describe, expect, it } from "vitest";
import { LazyList } from "../../../src/mcp/directory/lazy-list.js";

/** A loader whose pages are released one at a time by the test. */
function gatedLoader() {
  let loads = 0;
  const gates: (() => void)[] = [];
  const load = async function* () {
    loads += 1;
    for (const page of [
      [1, 2],
      [3, 4],
    ]) {
      await new Promise<void>((resolve) => gates.push(resolve));
      yield page;
    }
  };
  return { load, release: () => gates.shift()?.(), loads: () => loads };
}

describe("LazyList", () => {
  it("loads nothing until asked, serves what has loaded when the wait runs out, then the whole list", async () => {
    const loader = gatedLoader();
    const list = new LazyList(loader.load, 60_000);
    expect(loader.loads()).toBe(0);
    const first = list.get(50);
    await new Promise((r) => setTimeout(r, 10));
    loader.release();
    expect(await first).toEqual({ items: [1, 2], complete: false, loadedAt: null });
    loader.release();
    await list.refresh();
    expect(await list.get(0)).toMatchObject({ items: [1, 2, 3, 4], complete: true });
    expect(loader.loads()).toBe(1);
  });

  it("after the TTL, serves the stale list at once and refreshes in the background", async () => {
    let now = 0;
    let version = 0;
    const list = new LazyList(
      async function* () {
        version += 1;
        yield [version];
      },
      1000,
      () => now,
    );
    expect((await list.get(1000)).items).toEqual([1]);
    now = 500;
    expect((await list.get(1000)).items).toEqual([1]);
    now = 2000;
    expect((await list.get(1000)).items).toEqual([1]);
    await list.refresh();
    expect((await list.get(1000)).items).toEqual([2]);
  });

  it("a failed first load rejects, and the next call tries again", async () => {
    let calls = 0;
    const list = new LazyList(async function* () {
      calls += 1;
      if (calls === 1) throw new Error("invalid_auth");
      yield ["ok"];
    }, 1000);
    await expect(list.get(1000)).rejects.toThrow("invalid_auth");
    expect((await list.get(1000)).items).toEqual(["ok"]);
  });
});
