import {
  type Consumer,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { Env } from "../../config/env.js";
import { type Envelope, envelopeJson } from "../../envelope/envelope.js";
import { SettleOnce } from "../settle-once.js";
import {
  type ConsumeOptions,
  type DeadLetter,
  type Delivery,
  type QueueBackend,
  type QueueBackendFactory,
  QueueClosedError,
  type QueueStats,
} from "../types.js";
import { anySignal, Wakeup } from "../wakeup.js";
import { natsInfo } from "./nats/about.js";
import { type NatsOptions, natsOptionsFromEnv } from "./nats/config.js";
import { NatsLink, NatsUnavailableError } from "./nats/connection.js";
import {
  type DeadRecord,
  isStreamNotFound,
  nextMessage,
  purgeDeadLetters,
  readDeadLetters,
  replayDeadLetters,
} from "./nats/dead-letters.js";
import { durableName, replaySubject, type TopicNames, topicNames } from "./nats/names.js";
import { isConsumerNotFound, JetStreamResources } from "./nats/resources.js";
import { ACK, nakPayload, settle, TERM, WORKING } from "./nats/settle.js";

const DEFAULT_PREFETCH = 16;
/** How long one pull request waits on the server; the loop issues the next one right after. */
const FETCH_EXPIRES_MS = 5000;
const SETTLE_TIMEOUT_MS = 5000;

interface Held {
  once: SettleOnce;
  msg: JsMsg;
}

const decoder = new TextDecoder();
const sleep = (ms: number, signal: AbortSignal) => new Wakeup().sleep(ms, signal);

function parse(data: Uint8Array): Envelope | null {
  try {
    return JSON.parse(decoder.decode(data)) as Envelope;
  } catch {
    return null;
  }
}

/**
 * NATS JetStream: a stream per topic, a durable pull consumer per group, explicit acks.
 * See docs/nats.md for the layout and the guarantees.
 */
export class NatsQueue implements QueueBackend {
  readonly name = "nats";
  readonly durable = true;
  private readonly closing = new AbortController();
  /** Every consume loop's unsettled deliveries, handed back by close(). */
  private readonly holders = new Set<Set<Held>>();
  private readonly names = new Map<string, TopicNames>();
  private readonly resources: JetStreamResources;

  private constructor(
    private readonly link: NatsLink,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly options: NatsOptions,
  ) {
    this.resources = new JetStreamResources(jsm, options);
  }

  static async connect(options: NatsOptions): Promise<NatsQueue> {
    const link = await NatsLink.open(options.servers, "slackline-queue");
    try {
      const jsm = await jetstreamManager(link.nc, { timeout: options.publishTimeoutMs });
      return new NatsQueue(link, jetstream(link.nc, { timeout: options.publishTimeoutMs }), jsm, options);
    } catch (err) {
      await link.close();
      throw err;
    }
  }

  static fromEnv(env: Env): Promise<NatsQueue> {
    return NatsQueue.connect(natsOptionsFromEnv(env));
  }

  private topicNames(topic: string): TopicNames {
    let n = this.names.get(topic);
    if (!n) {
      n = topicNames(this.options.prefix, topic);
      this.names.set(topic, n);
    }
    return n;
  }

  private usable(): void {
    if (this.closing.signal.aborted) throw new QueueClosedError(this.name);
    if (!this.link.connected) throw new NatsUnavailableError();
  }

  /** The envelope id is the Nats-Msg-Id, so JetStream's duplicate window is a second dedup layer. */
  private async send(topic: string, message: Envelope, windowSeconds: number) {
    this.usable();
    const names = this.topicNames(topic);
    await this.resources.topicStream(names, windowSeconds);
    return this.js.publish(names.subject, envelopeJson(message), {
      msgID: message.id,
      timeout: this.options.publishTimeoutMs,
    });
  }

  async publish(topic: string, message: Envelope): Promise<string> {
    // A duplicate inside the window is already durable: its PubAck carries the original sequence.
    return String((await this.send(topic, message, this.options.duplicateWindowSeconds)).seq);
  }

  async publishOnce(topic: string, message: Envelope, dedupTtlSeconds: number): Promise<string | null> {
    const window = Math.max(dedupTtlSeconds, this.options.duplicateWindowSeconds);
    const ack = await this.send(topic, message, window);
    return ack.duplicate ? null : String(ack.seq);
  }

  consume(topic: string, options: ConsumeOptions): AsyncIterable<Delivery> {
    return this.loop(topic, options);
  }

  private async *loop(topic: string, options: ConsumeOptions): AsyncGenerator<Delivery> {
    if (this.closing.signal.aborted) return;
    const signal = anySignal(options.signal, this.closing.signal);
    const names = this.topicNames(topic);
    const leaseMs = options.leaseMs ?? natsInfo.defaultLeaseMs;
    const prefetch = Math.max(1, options.prefetch ?? DEFAULT_PREFETCH);
    const mine = replaySubject(names, options.group);
    const held = new Set<Held>();
    const capacity = new Wakeup();
    this.holders.add(held);
    let consumer: Consumer | null = null;
    let failures = 0;
    // Messages the group has not been sent yet, as last reported by the server.
    let pendingHint = 1;
    try {
      while (!signal.aborted) {
        try {
          if (!consumer) {
            await this.resources.topicStream(names, this.options.duplicateWindowSeconds);
            await this.resources.groupConsumer(names, options.group, leaseMs);
            consumer = await this.js.consumers.get(names.stream, durableName(options.group));
            pendingHint = (await consumer.info(true)).num_pending;
          }
          if (held.size >= prefetch) {
            await capacity.sleep(Number.POSITIVE_INFINITY, signal);
            continue;
          }
          // Ask for no more than exists (and fits under prefetch), so the pull request completes at
          // once instead of staying open: an open request would keep taking messages (redeliveries
          // too) into a client buffer while our caller is busy, and their leases would run out there.
          const want = Math.min(prefetch - held.size, Math.max(1, pendingHint));
          const batch = await consumer.fetch({ max_messages: want, expires: FETCH_EXPIRES_MS });
          const stop = () => void batch.close();
          signal.addEventListener("abort", stop, { once: true });
          if (signal.aborted) stop();
          let stale = false;
          try {
            for await (const msg of batch) {
              failures = 0;
              pendingHint = msg.info.pending;
              // Our caller sat on the last delivery long enough that these may have been redelivered
              // elsewhere: leave them alone, their leases bring them back.
              if (stale) continue;
              if (signal.aborted) {
                await this.handBack(msg);
                continue;
              }
              if (msg.subject !== names.subject && msg.subject !== mine) {
                // A dead letter replayed to another group.
                await settle(this.link.nc, msg, ACK, SETTLE_TIMEOUT_MS);
                continue;
              }
              const entry: Held = { once: new SettleOnce(), msg };
              held.add(entry);
              const forget = () => {
                held.delete(entry);
                capacity.notify();
              };
              const message = parse(msg.data);
              if (message === null) {
                // Not ours to drop, not worth a handler run: straight to the DLQ with the raw text.
                const raw = decoder.decode(msg.data) as unknown as Envelope;
                await this.delivery(topic, names, options.group, entry, raw, forget).deadLetter(
                  "malformed message: not JSON",
                );
                continue;
              }
              const yieldedAt = Date.now();
              yield this.delivery(topic, names, options.group, entry, message, forget);
              if (Date.now() - yieldedAt > leaseMs / 2) {
                stale = true;
                void batch.close();
              }
            }
          } finally {
            signal.removeEventListener("abort", stop);
          }
        } catch (err) {
          if (signal.aborted) break;
          // Outage, or the stream/consumer was deleted under us: rebuild and back off.
          if (isConsumerNotFound(err) || isStreamNotFound(err)) this.resources.forget(names);
          consumer = null;
          failures++;
          await sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), signal);
        }
      }
    } finally {
      // Hand back what this consumer still holds, so the group gets it at once.
      for (const entry of held) await entry.once.run(() => this.handBack(entry.msg));
      this.holders.delete(held);
    }
  }

  private async handBack(msg: JsMsg): Promise<void> {
    await settle(this.link.nc, msg, nakPayload(0), SETTLE_TIMEOUT_MS).catch(() => {
      // Unreachable server: the lease expires and the message comes back anyway.
    });
  }

  private delivery(
    topic: string,
    names: TopicNames,
    group: string,
    entry: Held,
    message: Envelope,
    forget: () => void,
  ): Delivery {
    const { msg, once } = entry;
    const nc = this.link.nc;
    const attempt = msg.info.deliveryCount;
    return {
      id: String(msg.seq),
      topic,
      message,
      attempt,
      ack: () =>
        once.run(async () => {
          forget();
          await settle(nc, msg, ACK, SETTLE_TIMEOUT_MS);
        }),
      retry: (delayMs) =>
        once.run(async () => {
          forget();
          await settle(nc, msg, nakPayload(delayMs), SETTLE_TIMEOUT_MS);
        }),
      deadLetter: (reason) =>
        once.run(async () => {
          forget();
          const record: DeadRecord = {
            topic,
            group,
            reason,
            attempts: attempt,
            dead_at: Date.now(),
            source_seq: msg.seq,
            message,
          };
          try {
            await this.resources.dlqStream(names);
            await this.js.publish(names.dlqSubject, JSON.stringify(record), {
              timeout: this.options.publishTimeoutMs,
            });
          } catch (err) {
            // Not in the DLQ: keep it in the group rather than lose it.
            await this.handBack(msg);
            throw err;
          }
          await settle(nc, msg, TERM, SETTLE_TIMEOUT_MS);
        }),
      extend: async () => {
        if (!once.isSettled) await settle(nc, msg, WORKING, SETTLE_TIMEOUT_MS);
      },
    };
  }

  /** False while the connection is down and being re-established. */
  get connected(): boolean {
    return this.link.connected;
  }

  async listDeadLetters(
    topic: string,
    options: { limit?: number; after?: string } = {},
  ): Promise<DeadLetter[]> {
    const after = options.after === undefined ? 0 : Number(options.after);
    // Not a sequence: nothing comes after it.
    if (!Number.isSafeInteger(after) || after < 0) return [];
    return readDeadLetters(this.jsm, this.topicNames(topic), topic, options.limit ?? 100, after);
  }

  async replayDeadLetters(topic: string, options: { ids?: string[] } = {}): Promise<number> {
    const names = this.topicNames(topic);
    await this.resources.topicStream(names, this.options.duplicateWindowSeconds);
    return replayDeadLetters(this.js, this.jsm, names, topic, options.ids, this.options.publishTimeoutMs);
  }

  async purgeDeadLetters(topic: string, options: { ids?: string[] } = {}): Promise<number> {
    return purgeDeadLetters(this.jsm, this.topicNames(topic), topic, options.ids);
  }

  async ping(): Promise<void> {
    this.usable();
    await this.jsm.getAccountInfo();
  }

  async stats(topic: string, group: string): Promise<QueueStats> {
    const names = this.topicNames(topic);
    let depth: number;
    let firstUnacked: number;
    try {
      const info = await this.jsm.consumers.info(names.stream, durableName(group));
      depth = info.num_pending + info.num_ack_pending;
      firstUnacked = info.ack_floor.stream_seq + 1;
    } catch (err) {
      if (isStreamNotFound(err)) return { depth: 0, oldestAgeMs: null };
      if (!isConsumerNotFound(err)) throw err;
      // No consumer yet: the group will start with everything the stream holds.
      const state = (await this.jsm.streams.info(names.stream)).state;
      depth = state.messages;
      firstUnacked = state.first_seq;
    }
    if (depth === 0) return { depth, oldestAgeMs: null };
    const oldest = await nextMessage(this.jsm, names.stream, ">", firstUnacked);
    return { depth, oldestAgeMs: oldest ? Math.max(0, Date.now() - oldest.time.getTime()) : null };
  }

  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    const handBacks: Promise<void>[] = [];
    for (const held of this.holders) {
      for (const entry of held) handBacks.push(entry.once.run(() => this.handBack(entry.msg)));
    }
    await Promise.all(handBacks);
    await this.link.close();
  }
}

export const natsBackend: QueueBackendFactory = {
  ...natsInfo,
  fromEnv: (env) => NatsQueue.fromEnv(env),
};
