/** The contract every dedup store must pass (ingress claims and the worker's processed-markers). */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { DedupStore } from "../../dedup/types.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface DedupContractOptions {
  name: string;
  create: () => Promise<DedupStore> | DedupStore;
}

export function dedupStoreContract(options: DedupContractOptions): void {
  describe(`DedupStore contract: ${options.name}`, () => {
    const opened: DedupStore[] = [];
    const open = async () => {
      const s = await options.create();
      opened.push(s);
      return s;
    };
    const key = () => `contract:${randomUUID()}`;
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it("claims a new key once; a pending claim is in flight; a confirmed one is a duplicate", async () => {
      const s = await open();
      const k = key();
      expect(await s.claim(k, 10)).toBe("claimed");
      expect(await s.claim(k, 10)).toBe("in_flight");
      await s.confirm(k, 60);
      expect(await s.claim(k, 10)).toBe("duplicate");
    });

    it("ping(), where the store has one, resolves while the store answers", async () => {
      const s = await open();
      if (s.ping) await expect(s.ping()).resolves.toBeUndefined();
    });

    it("concurrent claims of one key: exactly one wins", async () => {
      const s = await open();
      const k = key();
      const results = await Promise.all(Array.from({ length: 20 }, () => s.claim(k, 10)));
      expect(results.filter((r) => r === "claimed")).toHaveLength(1);
    });

    it("release() forgets a pending claim so the next try is accepted", async () => {
      const s = await open();
      const k = key();
      await s.claim(k, 10);
      await s.release(k);
      expect(await s.claim(k, 10)).toBe("claimed");
    });

    it("release() does not undo a confirmed key", async () => {
      const s = await open();
      const k = key();
      await s.claim(k, 10);
      await s.confirm(k, 60);
      await s.release(k);
      expect(await s.claim(k, 10)).toBe("duplicate");
    });

    it("a pending claim expires after its short TTL (a crash between claim and publish)", async () => {
      const s = await open();
      const k = key();
      await s.claim(k, 1);
      await sleep(1300);
      expect(await s.claim(k, 10)).toBe("claimed");
    });

    it("a confirmed key expires after its TTL", async () => {
      const s = await open();
      const k = key();
      await s.claim(k, 10);
      await s.confirm(k, 1);
      await sleep(1300);
      expect(await s.claim(k, 10)).toBe("claimed");
    });

    it("mark() and marked() report processed keys", async () => {
      const s = await open();
      const [a, b, c] = [key(), key(), key()];
      await s.mark(a, 60);
      await s.mark(c, 60);
      expect([...(await s.marked([a, b, c]))].sort()).toEqual([a, c].sort());
      expect((await s.marked([])).size).toBe(0);
    });

    it("markMany(), where the store has it, marks every key at once", async (ctx) => {
      const s = await open();
      if (!s.markMany) return ctx.skip("not applicable: the store has no markMany() (it is optional)");
      const [a, b, c] = [key(), key(), key()];
      await s.markMany([a, c], 60);
      await s.markMany([], 60);
      expect([...(await s.marked([a, b, c]))].sort()).toEqual([a, c].sort());
    });
  });
}
