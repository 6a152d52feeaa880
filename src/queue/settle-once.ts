/**
 * Guards a delivery's settle methods so only the first of ack / retry / deadLetter takes effect,
 * whatever order a worker (or a buggy handler) calls them in.
 */
export class SettleOnce {
  private settled = false;

  get isSettled(): boolean {
    return this.settled;
  }

  /** Runs `fn` if nothing settled the delivery yet. */
  async run(fn: () => Promise<void> | void): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    await fn();
  }
}
