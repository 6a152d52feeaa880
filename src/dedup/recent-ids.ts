/**
 * A bounded set of recently seen ids, each kept for a time (by default for as long as the bound
 * allows), the oldest dropped first. Ids added with one TTL expire in insertion order, so a Map
 * (which iterates in insertion order) drops the expired ones from its front: no LRU bookkeeping on
 * the hot paths that use it (the memory backend's publishOnce window, the MCP inbox's redeliveries).
 */
export class RecentIds {
  private readonly expiresAt = new Map<string, number>();

  constructor(private readonly max: number) {}

  has(id: string, now = Date.now()): boolean {
    const until = this.expiresAt.get(id);
    return until !== undefined && until > now;
  }

  add(id: string, ttlMs = Number.POSITIVE_INFINITY, now = Date.now()): void {
    this.expiresAt.delete(id); // re-added ids move to the back, so the front stays the oldest
    this.expiresAt.set(id, now + ttlMs);
    for (const [oldest, until] of this.expiresAt) {
      if (until > now && this.expiresAt.size <= this.max) break;
      this.expiresAt.delete(oldest);
    }
  }
}
