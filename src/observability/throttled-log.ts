/**
 * An outage fails every request: one log line per interval (with how many were held back), not one
 * per request.
 */
export class ThrottledLog<Detail = void> {
  private lastAt = Number.NEGATIVE_INFINITY;
  private held = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly write: (detail: Detail, heldBack: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes now if the interval has passed since the last line; else counts this one as held back. */
  hit(detail: Detail): void {
    const now = this.now();
    if (now - this.lastAt < this.intervalMs) {
      this.held++;
      return;
    }
    const heldBack = this.held;
    this.lastAt = now;
    this.held = 0;
    this.write(detail, heldBack);
  }
}
