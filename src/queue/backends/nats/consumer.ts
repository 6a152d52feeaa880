import type { Consumer, ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Envelope } from "../../../envelope/envelope.js";
import { Wakeup } from "../../wakeup.js";
import type { NatsOptions } from "./config.js";
import type { DeadRecord } from "./dead-letters.js";
import { NatsDelivery, type NatsDeliveryOwner } from "./delivery.js";
import { isConsumerNotFound, isStreamNotFound } from "./errors.js";
import { durableName, replaySubject, type TopicNames } from "./names.js";
import type { Replies } from "./replies.js";
import type { JetStreamResources } from "./resources.js";
import { ACK, ackSubject, nakPayload, TERM, WORKING } from "./settle.js";

/** How long one pull request waits on the server; the loop issues the next one right after. */
const FETCH_EXPIRES_MS = 5000;

/** What a group consumer needs of the backend. */
export interface ConsumerContext {
  readonly js: JetStreamClient;
  readonly resources: JetStreamResources;
  readonly options: NatsOptions;
  /** Acks, naks, terms and progress, each confirmed by the server. */
  readonly settles: Replies;
  /** Stores a dead letter's record in the topic's DLQ stream. */
  writeDeadLetter(names: TopicNames, record: DeadRecord): Promise<void>;
}

const decoder = new TextDecoder();

function parse(data: Uint8Array): Envelope | null {
  try {
    return JSON.parse(decoder.decode(data)) as Envelope;
  } catch {
    return null;
  }
}

const sleep = (ms: number, signal: AbortSignal) => new Wakeup().sleep(ms, signal);
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One consume loop of a group on the topic's durable pull consumer. Pull requests ask for no more
 * than fits under the prefetch and no more than the server says exists, so a request completes at
 * once instead of staying open: an open request would keep taking messages (redeliveries too) for a
 * consumer that may be about to stop. What one pull brings is handed out together, as a batch.
 */
export class GroupConsumer implements NatsDeliveryOwner {
  /** Every unsettled delivery of this loop: waiting to be handed out, or handed out. */
  readonly held = new Set<NatsDelivery>();
  private ready: NatsDelivery[] = [];
  private readonly wake = new Wakeup();
  private consumer: Consumer | null = null;
  private pulling: ConsumerMessages | null = null;
  private fetching = false;
  private fetchFailure: Error | null = null;
  /** Messages the group has not been sent yet, as last reported by the server. */
  private pendingHint = 1;
  private stopped = false;
  /** Failed attempts in a row (the backoff): reset by the next message that arrives. */
  private failures = 0;
  private readonly mine: string;

  constructor(
    private readonly ctx: ConsumerContext,
    readonly topic: string,
    private readonly names: TopicNames,
    readonly group: string,
    private readonly leaseMs: number,
    private readonly prefetch: number,
    private readonly signal: AbortSignal,
  ) {
    this.mine = replaySubject(names, group);
  }

  async *batches(): AsyncGenerator<NatsDelivery[]> {
    const { signal } = this;
    const stopPulling = () => void this.pulling?.close();
    signal.addEventListener("abort", stopPulling, { once: true });
    try {
      while (!signal.aborted && !this.stopped) {
        try {
          if (!this.consumer) await this.attach();
          if (this.ready.length > 0) {
            // The messages of one read reach us one microtask apart: let them all in first.
            await nextTurn();
            const batch = this.takeReady();
            if (batch.length > 0) yield batch;
            continue;
          }
          if (this.fetchFailure) {
            const err = this.fetchFailure;
            this.fetchFailure = null;
            throw err;
          }
          const room = this.prefetch - this.held.size;
          // Pull again once half the prefetch is free, not on every single ack.
          if (!this.fetching && room > 0 && (this.held.size === 0 || room >= this.prefetch / 2)) this.pull();
          await this.wake.sleep(Number.POSITIVE_INFINITY, signal);
        } catch (err) {
          if (signal.aborted || this.stopped) break;
          // Outage, or the stream/consumer was deleted under us: rebuild and back off.
          if (isConsumerNotFound(err) || isStreamNotFound(err)) this.ctx.resources.forget(this.names);
          this.consumer = null;
          this.failures++;
          await sleep(Math.min(5000, 100 * 2 ** Math.min(this.failures, 6)), signal);
        }
      }
    } finally {
      signal.removeEventListener("abort", stopPulling);
      await this.stop();
    }
  }

  private async attach(): Promise<void> {
    const { resources, options, js } = this.ctx;
    await resources.topicStream(this.names, options.duplicateWindowSeconds);
    await resources.groupConsumer(this.names, this.group, this.leaseMs);
    const consumer = await js.consumers.get(this.names.stream, durableName(this.group));
    this.pendingHint = (await consumer.info(true)).num_pending;
    this.consumer = consumer;
  }

  private pull(): void {
    const want = Math.min(this.prefetch - this.held.size, Math.max(1, this.pendingHint));
    this.fetching = true;
    void this.fetch(this.consumer!, want);
  }

  /** One pull request, its messages taken in as they arrive. */
  private async fetch(consumer: Consumer, want: number): Promise<void> {
    try {
      const pulling = await consumer.fetch({ max_messages: want, expires: FETCH_EXPIRES_MS });
      this.pulling = pulling;
      if (this.signal.aborted || this.stopped) void pulling.close();
      for await (const msg of pulling) this.arrive(msg);
    } catch (err) {
      this.fetchFailure = err instanceof Error ? err : new Error(String(err));
    } finally {
      this.pulling = null;
      this.fetching = false;
      this.wake.notify();
    }
  }

  private arrive(msg: JsMsg): void {
    this.failures = 0;
    this.pendingHint = msg.info.pending;
    if (this.stopped || this.signal.aborted) {
      void this.handBack(msg);
      return;
    }
    if (msg.subject !== this.names.subject && msg.subject !== this.mine) {
      // A dead letter replayed to another group.
      this.ctx.settles.confirmed(ackSubject(msg), ACK).catch(() => {});
      return;
    }
    const message = parse(msg.data);
    // Not ours to drop, not worth a handler run: straight to the DLQ with the raw text.
    const body = message ?? (decoder.decode(msg.data) as unknown as Envelope);
    const delivery = new NatsDelivery(this, msg, body, msg.info.deliveryCount, Date.now());
    this.held.add(delivery);
    if (message === null) {
      delivery.deadLetter("malformed message: not JSON").catch(() => {});
      return;
    }
    if (this.ready.push(delivery) === 1) this.wake.notify();
  }

  /**
   * What arrived since the last batch. One that waited here for half its lease (our caller was busy)
   * may have been redelivered elsewhere by now: it is left alone, its lease brings it back.
   */
  private takeReady(): NatsDelivery[] {
    const batch = this.ready;
    if (batch.length === 0) return batch;
    this.ready = [];
    const staleBefore = Date.now() - this.leaseMs / 2;
    if (batch[0]!.arrivedAt >= staleBefore) return batch;
    const fresh: NatsDelivery[] = [];
    for (const d of batch) {
      if (d.arrivedAt < staleBefore) d.abandon();
      else fresh.push(d);
    }
    return fresh;
  }

  release(delivery: NatsDelivery): void {
    this.held.delete(delivery);
    this.wake.notify();
  }

  ackMessage(delivery: NatsDelivery): Promise<void> {
    return this.ctx.settles.confirmed(ackSubject(delivery.msg), ACK);
  }

  async retryMessage(delivery: NatsDelivery, delayMs: number): Promise<void> {
    await this.ctx.settles.request(ackSubject(delivery.msg), nakPayload(delayMs));
  }

  async extendMessage(delivery: NatsDelivery): Promise<void> {
    await this.ctx.settles.request(ackSubject(delivery.msg), WORKING);
  }

  async deadLetterMessage(delivery: NatsDelivery, reason: string): Promise<void> {
    const { msg, message, attempt } = delivery;
    const record: DeadRecord = {
      topic: this.topic,
      group: this.group,
      reason,
      attempts: attempt,
      dead_at: Date.now(),
      source_seq: msg.seq,
      message,
    };
    try {
      await this.ctx.writeDeadLetter(this.names, record);
    } catch (err) {
      // Not in the DLQ: keep it in the group rather than lose it.
      await this.handBack(msg);
      throw err;
    }
    await this.ctx.settles.request(ackSubject(msg), TERM);
  }

  private async handBack(msg: JsMsg): Promise<void> {
    await this.ctx.settles.request(ackSubject(msg), nakPayload(0)).catch(() => {
      // Unreachable server: the lease expires and the message comes back anyway.
    });
  }

  /** Stops pulling and hands every unsettled message back to the group at once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    void this.pulling?.close();
    this.ready = [];
    const handBacks: Promise<void>[] = [];
    for (const delivery of [...this.held]) {
      delivery.abandon();
      handBacks.push(this.handBack(delivery.msg));
    }
    this.wake.notify();
    await Promise.all(handBacks);
  }
}
