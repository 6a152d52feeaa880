import type { SocketEnvelopeType, SocketModeAck, SocketModeAttempt, SocketModeDelivery } from "./types.js";

/** One delivery's state: its attempts, its ack, its redelivery timer. */
export class StandInDelivery implements SocketModeDelivery {
  readonly attempts: SocketModeAttempt[] = [];
  /** performance.now() when each attempt went out, for acks timed to the microsecond. */
  readonly sentAt: number[] = [];
  ack: SocketModeAck | undefined;
  gaveUp = false;
  readonly acked: Promise<SocketModeAck>;
  timer: NodeJS.Timeout | undefined;
  private settle!: { resolve(ack: SocketModeAck): void; reject(err: Error): void };

  constructor(
    readonly type: SocketEnvelopeType,
    readonly payload: Record<string, unknown>,
    readonly accepts_response_payload: boolean,
    /** False: never redelivered (the test sends retries itself). */
    readonly redeliver: boolean,
  ) {
    this.acked = new Promise<SocketModeAck>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Whoever awaits `acked` sees a rejection; nobody awaiting it is no unhandled rejection.
    this.acked.catch(() => {});
  }

  get lastAttempt(): SocketModeAttempt | undefined {
    return this.attempts[this.attempts.length - 1];
  }

  acknowledge(ack: SocketModeAck): void {
    clearTimeout(this.timer);
    if (this.ack) return;
    this.ack = ack;
    this.settle.resolve(ack);
  }

  giveUp(why: string): void {
    clearTimeout(this.timer);
    if (this.ack || this.gaveUp) return;
    this.gaveUp = true;
    this.settle.reject(new Error(why));
  }

  /** The envelope as it goes over the socket. */
  message(attempt: SocketModeAttempt): Record<string, unknown> {
    return {
      envelope_id: attempt.envelope_id,
      type: this.type,
      accepts_response_payload: this.accepts_response_payload,
      retry_attempt: attempt.retry_attempt,
      retry_reason: attempt.retry_reason,
      payload: this.payload,
    };
  }
}
