/** One load of a directory: pages as they arrive, so callers can use what came so far. */
export type PageLoader<T> = () => AsyncIterable<readonly T[]>;

export interface Snapshot<T> {
  items: readonly T[];
  /** False while the first load is still under way: `items` holds the pages loaded so far. */
  complete: boolean;
  /** Milliseconds since the epoch when the complete list was loaded (null while incomplete). */
  loadedAt: number | null;
}

/**
 * A list loaded lazily on first use and reused for `ttlMs`; after that, the stale list is served
 * while a refresh runs in the background. Nothing is loaded until someone asks, so a server never
 * warms it during `initialize`.
 */
export class LazyList<T> {
  private complete: readonly T[] | null = null;
  private loadedAt = 0;
  private partial: T[] = [];
  private loading: Promise<void> | null = null;

  constructor(
    private readonly load: PageLoader<T>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True once a complete list is held (fresh or stale). */
  get loaded(): boolean {
    return this.complete !== null;
  }

  /**
   * The complete list when one is held; else waits up to `waitMs` for the first load and returns
   * what it has by then. A failed first load rejects (the next call tries again).
   */
  async get(waitMs: number): Promise<Snapshot<T>> {
    if (this.complete !== null) {
      if (this.now() - this.loadedAt > this.ttlMs) void this.refresh().catch(() => {});
      return { items: this.complete, complete: true, loadedAt: this.loadedAt };
    }
    const loading = this.refresh();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
      timer.unref();
    });
    try {
      await Promise.race([loading, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (this.complete !== null) return { items: this.complete, complete: true, loadedAt: this.loadedAt };
    return { items: [...this.partial], complete: false, loadedAt: null };
  }

  /** Starts a load unless one is under way; resolves when it ends. */
  refresh(): Promise<void> {
    this.loading ??= this.run().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async run(): Promise<void> {
    const pages: T[] = [];
    // The first load shows its progress; a refresh replaces the old list only once it is whole.
    const first = this.complete === null;
    if (first) this.partial = pages;
    for await (const page of this.load()) pages.push(...page);
    this.complete = pages;
    this.loadedAt = this.now();
    this.partial = [];
  }
}
