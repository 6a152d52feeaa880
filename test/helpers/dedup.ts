import type { DedupStore } from "../../src/dedup/types.js";

/**
 * A store that hands every call to `inner` but those in `overrides`. It has no markMany() unless
 * one is given, so a worker writes its markers through mark().
 */
export function storeOver(inner: DedupStore, overrides: Partial<DedupStore> & { name: string }): DedupStore {
  return {
    claim: (key, ttl) => inner.claim(key, ttl),
    confirm: (key, ttl) => inner.confirm(key, ttl),
    release: (key) => inner.release(key),
    mark: (key, ttl) => inner.mark(key, ttl),
    marked: (keys) => inner.marked(keys),
    close: () => inner.close(),
    ...overrides,
  };
}
