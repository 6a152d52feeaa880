import type { Channel, ConsumeMessage } from "amqplib";
import { settleWithin } from "../../../deadline.js";
import type { Envelope } from "../../../envelope/envelope.js";
import { Wakeup } from "../../wakeup.js";
import { AckGroups } from "./acks.js";
import { RabbitDelivery, type RabbitDeliveryOwner } from "./delivery.js";
import { attemptOf, publishedAtOf } from "./headers.js";
import type { AmqpLink } from "./link.js";
import { roundDelay } from "./names.js";

export interface SubscriptionOptions {
  topic: string;
  queue: string;
  prefetch: number;
  leaseMs: number;
  /** Declares the group queue (and what it needs) before subscribing. */
  prepare: () => Promise<void>;
  /** Stores a copy that comes back to the group queue after `ms` (a delay queue). */
  publishDelayed: (delivery: RabbitDelivery, ms: number) => Promise<void>;
  /** Stores the dead letter in the topic's DLQ. */
  publishDeadLetter: (delivery: RabbitDelivery, reason: string) => Promise<void>;
}

const decoder = new TextDecoder();
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A group consumer on its own channel (so prefetch is per consumer and closing it hands everything
 * back at once). RabbitMQ has no lease, so the lease is kept here: a message not settled or extended
 * within `leaseMs` is nacked back to the queue (x-delivery-count + 1). A process that dies loses
 * its connection and the broker requeues its messages; a frozen one is cut off by heartbeats.
 * The acks of one event-loop turn go out together (one `multiple` ack where they are contiguous).
 */
export class Subscription implements RabbitDeliveryOwner {
  private ch: Channel | null = null;
  private tag: string | null = null;
  private paused = false;
  private stopped = false;
  private buffer: RabbitDelivery[] = [];
  /** Every unsettled message of this consumer: buffered or handed out. */
  readonly held = new Set<RabbitDelivery>();
  private readonly acks = new AckGroups();
  private readonly wake = new Wakeup();
  /** One timer for every lease: a message's own timer cost more than the rest of its bookkeeping. */
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly link: AmqpLink,
    private readonly o: SubscriptionOptions,
  ) {}

  get topic(): string {
    return this.o.topic;
  }

  /** One delivery at a time (consume()). */
  async *run(signal: AbortSignal): AsyncGenerator<RabbitDelivery> {
    for await (const batch of this.batches(signal)) {
      for (let i = 0; i < batch.length; i++) {
        const d = batch[i]!;
        if (d.settled) continue;
        yield d;
      }
    }
  }

  /** What arrived together, at a time (consumeBatches()). */
  async *batches(signal: AbortSignal): AsyncGenerator<RabbitDelivery[]> {
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
            await settleWithin(ch.close(), 1000);
            continue;
          }
        }
        if (this.buffer.length === 0) {
          await this.wake.sleep(Number.POSITIVE_INFINITY, signal);
          continue;
        }
        // The messages of one read arrive one callback apart: let them all in first.
        await nextTurn();
        const batch = this.buffer;
        this.buffer = [];
        // A caller that sits on a batch for half a lease is not pulling: stop receiving, so the
        // broker gives new and expired messages to the group's other consumers meanwhile.
        const watchdog = setTimeout(() => void this.pause(), this.o.leaseMs / 2);
        try {
          yield batch;
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
    this.sweeper ??= setInterval(() => this.sweep(), Math.max(20, this.o.leaseMs / 8));
    this.sweeper.unref();
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
    const headers = msg.properties.headers;
    let message: Envelope | null;
    try {
      message = JSON.parse(decoder.decode(msg.content)) as Envelope;
    } catch {
      message = null;
    }
    const body = message ?? (decoder.decode(msg.content) as unknown as Envelope);
    const now = Date.now();
    const delivery = new RabbitDelivery(this, msg, ch, body, attemptOf(headers), publishedAtOf(headers, now));
    delivery.deadline = now + this.o.leaseMs;
    this.held.add(delivery);
    this.acks.track(delivery);
    if (this.stopped) {
      this.handBack(delivery);
      return;
    }
    if (message === null) {
      // Not ours to drop, not worth a handler run: straight to the DLQ with the raw text.
      delivery.deadLetter("malformed message: not JSON").catch(() => {});
      return;
    }
    if (this.buffer.push(delivery) === 1) this.wake.notify();
  }

  /** Hands back every message whose lease ran out. */
  private sweep(): void {
    const now = Date.now();
    for (const d of this.held) if (d.deadline <= now) this.handBack(d);
  }

  extendEntry(delivery: RabbitDelivery): void {
    delivery.deadline = Date.now() + this.o.leaseMs;
  }

  release(delivery: RabbitDelivery): void {
    this.held.delete(delivery);
    this.wake.notify();
  }

  ackEntry(delivery: RabbitDelivery): Promise<void> {
    return this.acks.ack(delivery);
  }

  async retryEntry(delivery: RabbitDelivery, delayMs: number): Promise<void> {
    const ms = roundDelay(delayMs);
    if (ms === 0) {
      this.acks.requeue(delivery);
      return;
    }
    try {
      await this.o.publishDelayed(delivery, ms);
    } catch (err) {
      this.acks.requeue(delivery);
      throw err;
    }
    this.acks.ackOne(delivery);
  }

  async deadLetterEntry(delivery: RabbitDelivery, reason: string): Promise<void> {
    try {
      await this.o.publishDeadLetter(delivery, reason);
    } catch (err) {
      // Not in the DLQ: keep it in the group rather than lose it.
      this.acks.requeue(delivery);
      throw err;
    }
    this.acks.ackOne(delivery);
  }

  /** Back to the queue now, unsettled as it is. */
  private handBack(delivery: RabbitDelivery): void {
    if (delivery.take()) this.acks.requeue(delivery);
  }

  private lose(ch: Channel): void {
    if (this.ch === ch) {
      this.ch = null;
      this.tag = null;
    }
    this.acks.lose(ch);
    for (const d of this.held) {
      if (d.ch !== ch) continue;
      d.lost = true;
      d.take();
    }
    this.buffer = this.buffer.filter((d) => d.ch !== ch);
    this.wake.notify();
  }

  /** Stops receiving and hands every unsettled message back to the queue at once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
    const { ch, tag } = this;
    this.ch = null;
    this.tag = null;
    // What the caller acked goes out before the rest goes back.
    this.acks.flush();
    // Cancelled first, or the broker would hand what we requeue straight back to us.
    if (ch && tag) await settleWithin(ch.cancel(tag), 1000);
    for (const d of [...this.held]) this.handBack(d);
    this.buffer = [];
    this.wake.notify();
    if (ch) await settleWithin(ch.close(), 1000);
  }
}
