/** Why a ThrottledLog writes: a hit after a quiet interval, or the interval's end with hits held back. */
export type ThrottledReason = "hit" | "flush";

/**
 * An outage fails every request: one log line per interval (with how many were held back), not one
 * per request. With `flush`, hits held back are written when their interval ends, so the last burst
 * is reported too (and each line covers one interval at most).
 */
export class ThrottledLog<Detail = void> {
  private lastAt = Number.NEGATIVE_INFINITY;
  private held = 0;
  private heldDetail: Detail | undefined;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly write: (detail: Detail, heldBack: number, reason: ThrottledReason) => void,
    private readonly now: () => number = Date.now,
    private readonly options: { flush?: boolean } = {},
  ) {}

  /** Writes now if the interval has passed since the last line; else counts this one as held back. */
  hit(detail: Detail): void {
    const now = this.now();
    if (now - this.lastAt < this.intervalMs) {
      this.held++;
      this.heldDetail = detail;
      if (this.options.flush && this.timer === null) {
        this.timer = setTimeout(this.flush, this.lastAt + this.intervalMs - now);
        this.timer.unref();
      }
      return;
    }
    const heldBack = this.held;
    this.lastAt = now;
    this.held = 0;
    this.write(detail, heldBack, "hit");
  }

  /** Writes what is held back now (the end of an interval; a closing owner may call it). */
  readonly flush = (): void => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.held === 0) return;
    const heldBack = this.held;
    this.lastAt = this.now();
    this.held = 0;
    this.write(this.heldDetail as Detail, heldBack, "flush");
  };
}
