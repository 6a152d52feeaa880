/**
 * Lets a consumer loop sleep until something happens: a notify(), a deadline, or an abort.
 * One instance per topic/group; notify() wakes every sleeper.
 */
export class Wakeup {
  private sleepers = new Set<() => void>();

  notify(): void {
    if (this.sleepers.size === 0) return;
    const current = this.sleepers;
    this.sleepers = new Set();
    for (const wake of current) wake();
  }

  /** Resolves after `ms` (Infinity: no deadline), on notify(), or when `signal` aborts. Never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.sleepers.delete(done);
        resolve();
      };
      if (Number.isFinite(ms)) timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener("abort", done, { once: true });
      this.sleepers.add(done);
    });
  }
}

/** An AbortSignal that fires when either input does. */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}
