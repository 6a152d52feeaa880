import type { Channel, ConsumeMessage } from "amqplib";
import type { Envelope } from "../../../envelope/envelope.js";
import { SettleOnce } from "../../settle-once.js";
import type { Delivery } from "../../types.js";
import { Wakeup } from "../../wakeup.js";
import { attemptOf, publishedAtOf } from "./headers.js";
import { type AmqpLink, within } from "./link.js";

/** One message this consumer received and has not settled: buffered or handed to the caller. */
export interface Held {
  msg: ConsumeMessage;
  ch: Channel;
  once: SettleOnce;
  timer: NodeJS.Timeout | null;
  /** The channel died under it: the broker redelivers it, and our ack can no longer reach it. */
  lost: boolean;
  publishedAt: number;
}

export interface SubscriptionOptions {
  queue: string;
  prefetch: number;
  leaseMs: number;
  /** Declares the group queue (and what it needs) before subscribing. */
  prepare: () => Promise<void>;
  /** Builds the Delivery the caller gets. */
  toDelivery: (held: Held, message: Envelope, settle: () => void) => Delivery;
  /** For messages that are not JSON: straight to the DLQ. */
  malformed: (held: Held, settle: () => void) => Promise<void>;
}

const decoder = new TextDecoder();

/** Back to the queue now. On a dead channel the broker has requeued it already. */
export function requeue(held: Held): void {
  if (held.lost) return;
  try {
    held.ch.nack(held.msg, false, true);
  } catch {
    // Channel closed meanwhile: same outcome.
  }
}

/**
 * A group consumer on its own channel (so prefetch is per consumer and closing it hands everything
 * back at once). RabbitMQ has no lease, so the lease is kept here: a message not settled or extended
 * within `leaseMs` is nacked back to the queue (x-delivery-count + 1). A process that dies loses
 * its connection and the broker requeues its messages; a frozen one is cut off by heartbeats.
 */
export class Subscription {
  private ch: Channel | null = null;
  private tag: string | null = null;
  private paused = false;
  private stopped = false;
  private readonly buffer: Held[] = [];
  /** Every unsettled message of this consumer: buffered or handed out. */
  readonly held = new Set<Held>();
  private readonly wake = new Wakeup();

  constructor(
    private readonly link: AmqpLink,
    private readonly o: SubscriptionOptions,
  ) {}

  async *run(signal: AbortSignal): AsyncGenerator<Delivery> {
    let failures = 0;
    try {
      while (!signal.aborted && !this.stopped) {
        if (!this.ch) {
          try {
            await this.subscribe(signal);
            failures = 0;
          } catch {
            failures++;
            await this.wake.sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), signal);
          }
          continue;
        }
        if (this.paused) {
          const ch = this.ch;
          try {
            await this.resume();
          } catch {
            // The channel died under us: start over on a fresh one.
            this.lose(ch);
            await within(ch.close(), 1000);
            continue;
          }
        }
        const held = this.buffer.shift();
        if (!held) {
          await this.wake.sleep(Number.POSITIVE_INFINITY, signal);
          continue;
        }
        if (held.once.isSettled) continue;
        const settle = () => this.release(held);
        let message: Envelope;
        try {
          message = JSON.parse(decoder.decode(held.msg.content)) as Envelope;
        } catch {
          await this.o.malformed(held, settle).catch(() => {});
          continue;
        }
        // A caller that sits on a delivery for half a lease is not pulling: stop receiving, so the
        // broker gives new and expired messages to the group's other consumers meanwhile.
        const watchdog = setTimeout(() => void this.pause(), this.o.leaseMs / 2);
        try {
          yield this.o.toDelivery(held, message, settle);
        } finally {
          clearTimeout(watchdog);
        }
      }
    } finally {
      await this.stop();
    }
  }

  private async subscribe(signal: AbortSignal): Promise<void> {
    const model = await this.link.waitConnected(signal);
    if (!model) return;
    await this.o.prepare();
    const ch = await model.createChannel();
    ch.on("error", () => {});
    ch.on("close", () => this.lose(ch));
    try {
      await ch.prefetch(this.o.prefetch);
      this.ch = ch;
      this.paused = true;
      await this.resume();
    } catch (err) {
      await ch.close().catch(() => {});
      throw err;
    }
  }

  private async resume(): Promise<void> {
    const ch = this.ch;
    if (!ch || !this.paused || this.stopped) return;
    this.paused = false;
    const { consumerTag } = await ch.consume(this.o.queue, (msg) => this.receive(ch, msg), { noAck: false });
    this.tag = consumerTag;
  }

  private async pause(): Promise<void> {
    const { ch, tag } = this;
    if (!ch || !tag || this.paused) return;
    this.paused = true;
    this.tag = null;
    await ch.cancel(tag).catch(() => {});
  }

  private receive(ch: Channel, msg: ConsumeMessage | null): void {
    if (!msg) {
      // The broker cancelled us (queue deleted): start over on a fresh channel.
      void ch.close().catch(() => {});
      return;
    }
    const held: Held = {
      msg,
      ch,
      once: new SettleOnce(),
      timer: null,
      lost: false,
      publishedAt: publishedAtOf(msg.properties.headers, Date.now()),
    };
    this.held.add(held);
    this.buffer.push(held);
    this.lease(held);
    this.wake.notify();
  }

  /** (Re)starts the lease of a held message. */
  lease(held: Held): void {
    if (held.timer) clearTimeout(held.timer);
    held.timer = setTimeout(() => {
      void held.once.run(() => {
        this.release(held);
        requeue(held);
      });
    }, this.o.leaseMs);
    held.timer.unref();
  }

  /** Forget a message: it was settled (or is being). */
  private release(held: Held): void {
    if (held.timer) clearTimeout(held.timer);
    held.timer = null;
    this.held.delete(held);
    this.wake.notify();
  }

  private lose(ch: Channel): void {
    if (this.ch === ch) {
      this.ch = null;
      this.tag = null;
    }
    for (const held of this.held) {
      if (held.ch !== ch) continue;
      held.lost = true;
      void held.once.run(() => this.release(held));
    }
    this.wake.notify();
  }

  static attempt(held: Held): number {
    return attemptOf(held.msg.properties.headers);
  }

  /** Stops receiving and hands every unsettled message back to the queue at once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const ch = this.ch;
    this.ch = null;
    for (const held of [...this.held]) {
      await held.once.run(() => {
        this.release(held);
        requeue(held);
      });
    }
    this.buffer.length = 0;
    this.wake.notify();
    if (ch) await within(ch.close(), 1000);
  }
}
