import type { ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { IngressResult } from "../results.js";
import { writeResult } from "./reply.js";

interface Observer {
  observe(seconds: number): void;
}

/**
 * Writes the answers of deliveries, timing each (`slackline_ack_seconds`).
 *
 * A publish that is done within the turn its request arrived in (the memory backend) has its answer
 * written with the others of that turn, in the check phase, once every request the poll phase read
 * was handled: answering each as it resolves, between reads, cost a third of the throughput. A publish
 * that completes in a later phase (a SQLite group commit, a Redis reply) is answered at once: waiting
 * for the next turn's flush would only add a loop iteration of latency.
 */
export class AckBatch {
  private waiting: Array<{ res: ServerResponse; started: number; result: IngressResult }> = [];
  private flushPending = false;

  constructor(private readonly ackSeconds: Observer) {}

  private answer(res: ServerResponse, started: number, result: IngressResult): void {
    writeResult(res, result);
    this.ackSeconds.observe((performance.now() - started) / 1000);
  }

  /** An answer that waits for its publish. */
  answerLater(res: ServerResponse, started: number, result: Promise<IngressResult>): void {
    this.expect();
    result.then((done) => {
      if (this.flushPending) this.waiting.push({ res, started, result: done });
      else this.answer(res, started, done);
    });
  }

  /** A delivery starts: a flush at the end of this turn collects what resolves by then. */
  private expect(): void {
    if (this.flushPending) return;
    this.flushPending = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.flushPending = false;
    const batch = this.waiting;
    this.waiting = [];
    for (const { res, started, result } of batch) this.answer(res, started, result);
  };
}
