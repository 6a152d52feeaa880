/**
 * Ids seen in the last `ttl`, at most `max` of them. Every id of a topic is kept for the same dedup
 * window, so insertion order is expiry order: a Map (which iterates in insertion order) drops the
 * expired ones from its front, with none of an LRU's bookkeeping on the ingress hot path.
 */
export class RecentIds {
  private readonly expiresAt = new Map<string, number>();

  constructor(private readonly max: number) {}

  has(id: string, now: number): boolean {
    const until = this.expiresAt.get(id);
    return until !== undefined && until > now;
  }

  add(id: string, ttlMs: number, now: number): void {
    this.expiresAt.delete(id); // re-added ids move to the back, so the front stays the oldest
    this.expiresAt.set(id, now + ttlMs);
    for (const [oldest, until] of this.expiresAt) {
      if (until > now && this.expiresAt.size <= this.max) break;
      this.expiresAt.delete(oldest);
    }
  }

  delete(id: string): void {
    this.expiresAt.delete(id);
  }
}
