import type { WriteGate } from "./write-gate.js";

/** One publish waiting for its commit. `key` set: publishOnce() (dedup by key, null when a duplicate). */
export interface PendingPublish {
  topic: string;
  body: string;
  key: string | null;
  ttlMs: number;
  resolve(seq: number | null): void;
  reject(err: unknown): void;
}

/** Bounds one transaction, so the write lock is never held long for other processes. */
const MAX_BATCH = 512;

/**
 * Group commit: publishes that arrive in the same event-loop turn (the requests one poll phase read)
 * share one transaction, committed in the check phase right after. Each still resolves only once its
 * row is committed; a failed commit rejects every publish in it, and none of them is stored.
 *
 * Under load this turns one WAL commit per request into one per turn; alone, a publish waits only
 * for the current turn to end. While another process holds the write lock, batches wait in the
 * connection's write gate, off the event loop, and fail past the gate's bound (a 503 for Slack).
 */
export class GroupCommit {
  private pending: PendingPublish[] = [];
  private scheduled: NodeJS.Immediate | null = null;

  /** `commit` writes the batch in one transaction and returns each seq (null: duplicate), in order. */
  constructor(
    private readonly commit: (batch: PendingPublish[]) => (number | null)[],
    private readonly gate: WriteGate,
  ) {}

  add(entry: PendingPublish): void {
    this.pending.push(entry);
    this.scheduled ??= setImmediate(this.flush);
  }

  /** Commits everything pending now (also used by close()). */
  readonly flush = (): void => {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    while (this.pending.length > 0) {
      const batch = this.pending.length <= MAX_BATCH ? this.pending : this.pending.slice(0, MAX_BATCH);
      this.pending = batch === this.pending ? [] : this.pending.slice(MAX_BATCH);
      this.gate.run(
        () => this.commit(batch),
        (err, seqs) => {
          if (err) for (const entry of batch) entry.reject(err);
          else for (let i = 0; i < batch.length; i++) batch[i]!.resolve(seqs![i] ?? null);
        },
      );
    }
  };
}
