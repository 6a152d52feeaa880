import {
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from "@nats-io/transport-node";
import { SlacklineError } from "../../../errors.js";

/** A request got no reply in time, or the server said nobody listens on its subject. */
export class NatsNoReplyError extends SlacklineError {
  constructor(message: string) {
    super("SLACKLINE_BACKEND_NO_REPLY", message);
  }
}

/** Called once per request, with its reply or the error that stands in for it. */
export type ReplyHandler = (err: Error | null, reply: Msg | null) => void;

/** Requests whose replies only need to arrive: one promise for all those sent in a turn. */
interface Group {
  expected: number;
  received: number;
  closed: boolean;
  failure: Error | null;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Request-reply over one wildcard subscription: request n's reply subject is `<inbox>.<n>`, the
 * requests of one event-loop turn share one timer, and a reply costs a map lookup. The client's own
 * request() gives each request a token, a timer, a deferred and a Promise.race of its own, and its
 * resolver builds a RequestError (with a stack) for every request that succeeds: in a profile of a
 * NATS gateway that Error alone was 6% of the CPU, and end to end 11%.
 */
export class Replies {
  private readonly prefix: string;
  private readonly sub: Subscription;
  private readonly waiting = new Map<number, ReplyHandler>();
  private next = 1;
  /** The requests sent this turn: they time out together. */
  private turn: number[] | null = null;
  /** The fire-and-confirm group of this turn (see group()). */
  private currentGroup: Group | null = null;
  private currentGroupPromise: Promise<void> | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.prefix = `${createInbox()}.`;
    this.sub = nc.subscribe(`${this.prefix}*`, { callback: (err, msg) => this.dispatch(err, msg) });
  }

  /** Sends a request now; `handler` gets its reply (a 503 "no responders" status is an error). */
  send(
    subject: string,
    payload: Uint8Array | string,
    headers: MsgHdrs | undefined,
    handler: ReplyHandler,
  ): void {
    const n = this.next++;
    this.waiting.set(n, handler);
    try {
      this.nc.publish(
        subject,
        payload,
        headers ? { reply: this.prefix + n, headers } : { reply: this.prefix + n },
      );
    } catch (err) {
      this.waiting.delete(n);
      handler(err instanceof Error ? err : new Error(String(err)), null);
      return;
    }
    if (this.turn === null) this.openTurn();
    this.turn!.push(n);
  }

  /** send() as a promise of the reply. */
  request(subject: string, payload: Uint8Array | string, headers?: MsgHdrs): Promise<Msg> {
    return new Promise<Msg>((resolve, reject) => {
      this.send(subject, payload, headers, (err, reply) => (err ? reject(err) : resolve(reply!)));
    });
  }

  /**
   * Sends a request whose reply carries no news but its arrival (an ack's confirmation). Every such
   * request of one turn returns the same promise, resolved once all of their replies arrived and
   * rejected if any of them failed: a worker acking a batch waits on one promise, not one per ack.
   */
  confirmed(subject: string, payload: Uint8Array): Promise<void> {
    let group = this.currentGroup;
    if (!group || group.closed) {
      let resolve!: () => void;
      let reject!: (err: Error) => void;
      this.currentGroupPromise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      group = { expected: 0, received: 0, closed: false, failure: null, resolve, reject };
      this.currentGroup = group;
      const g = group;
      setImmediate(() => {
        g.closed = true;
        this.settleGroup(g);
      });
    }
    const g = group;
    g.expected++;
    this.send(subject, payload, undefined, (err) => {
      g.received++;
      if (err && !g.failure) g.failure = err;
      this.settleGroup(g);
    });
    return this.currentGroupPromise!;
  }

  private settleGroup(g: Group): void {
    if (!g.closed || g.received < g.expected) return;
    if (g.failure) g.reject(g.failure);
    else g.resolve();
    if (this.currentGroup === g) {
      this.currentGroup = null;
      this.currentGroupPromise = null;
    }
  }

  private openTurn(): void {
    const turn: number[] = [];
    this.turn = turn;
    setImmediate(() => {
      if (this.turn === turn) this.turn = null;
    });
    const timer = setTimeout(() => this.expire(turn), this.timeoutMs);
    timer.unref();
  }

  private expire(turn: number[]): void {
    for (const n of turn) {
      const handler = this.waiting.get(n);
      if (!handler) continue;
      this.waiting.delete(n);
      handler(new NatsNoReplyError(`NATS: no reply within ${this.timeoutMs} ms`), null);
    }
  }

  private dispatch(err: Error | null, msg: Msg): void {
    if (err) {
      // The subscription itself failed (a permissions error): nothing will answer.
      this.failAll(err);
      return;
    }
    const n = Number(msg.subject.slice(this.prefix.length));
    const handler = this.waiting.get(n);
    if (!handler) return; // timed out already
    this.waiting.delete(n);
    if (msg.headers?.code === 503 && msg.data.length === 0)
      handler(new NatsNoReplyError("NATS: no responders for the request's subject"), null);
    else handler(null, msg);
  }

  private failAll(err: Error): void {
    const handlers = [...this.waiting.values()];
    this.waiting.clear();
    for (const handler of handlers) handler(err, null);
  }

  /** Fails what still waits (the connection is closing) and drops the subscription. */
  close(): void {
    this.failAll(new NatsNoReplyError("NATS: the connection closed before the reply"));
    this.sub.unsubscribe();
  }
}
