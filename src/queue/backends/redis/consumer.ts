import type { Redis } from "ioredis";
import type { Envelope } from "../../../envelope/envelope.js";
import type { Logger } from "../../../observability/logger.js";
import type { ConsumeOptions, Delivery } from "../../types.js";
import { Wakeup } from "../../wakeup.js";
import { redisInfo } from "./about.js";
import type { AckBatcher } from "./ack-batcher.js";
import type { RedisKeys } from "./config.js";
import type { ConsumerNames } from "./consumer-name.js";
import { type DeliveryOwner, type Leased, RedisDelivery } from "./delivery.js";
import {
  fieldMap,
  parseEnvelope,
  readReplyEntries,
  type StreamEntry,
  type TopicEntryFields,
  topicEntryFields,
} from "./entries.js";
import { isRedisReply } from "./errors.js";
import type { QueueScripts } from "./scripts.js";

/** What a consumer needs from its queue. */
export interface ConsumerContext {
  client: Redis;
  scripts: QueueScripts;
  keys: RedisKeys;
  acks: AckBatcher;
  names: ConsumerNames;
  logger: Logger;
  deadConsumerIdleMs: number;
  /** Opens this consumer's own connection for blocking reads. */
  openBlocking(name: string): Promise<Redis>;
  /** XGROUP CREATE ... 0 MKSTREAM once per stream and group (forgotten again on NOGROUP). */
  ensureGroup(stream: string, group: string): Promise<void>;
  forgetGroup(stream: string, group: string): void;
}

/** Most entries one read or claim takes when the caller sets no prefetch. */
const DEFAULT_BATCH = 64;
/** Longest XREADGROUP BLOCK: bounds how late a due retry or an expired lease is noticed. */
const MAX_BLOCK_MS = 1000;
const HAND_BACK_MAX = 10_000;

const sleep = (ms: number, signal: AbortSignal) => new Wakeup().sleep(ms, signal);

/**
 * One consume() loop: its own blocking connection, a stable name, the entries it leased. Order of
 * work: its own pending entries first (a restart picks up where it stopped), then due retries,
 * expired leases of other consumers (XAUTOCLAIM), then new entries (XREADGROUP >).
 */
export class RedisConsumer implements DeliveryOwner {
  private readonly controller = new AbortController();
  private readonly settled = new Wakeup();
  private readonly stream: string;
  private readonly delayed: string;
  private readonly group: string;
  private readonly acks: { ack(id: string): Promise<void> };
  private readonly leaseMs: number;
  private readonly prefetch: number;
  private readonly batch: number;
  private readonly promoteEveryMs: number;
  private readonly reclaimEveryMs: number;
  private readonly cleanupEveryMs: number;
  private name: string | null = null;
  private releaseName: (() => Promise<void>) | null = null;
  private blocking: Redis | null = null;
  private buffer: Leased[] = [];
  private readonly held = new Map<string, RedisDelivery>();
  private nextPromote = 0;
  private nextReclaim = 0;
  private nextCleanup = 0;
  private reclaimCursor = "0-0";
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly ctx: ConsumerContext,
    readonly topic: string,
    private readonly options: ConsumeOptions,
    /** Called once run() has finished. */
    private readonly onFinished: () => void = () => {},
  ) {
    this.stream = ctx.keys.stream(topic);
    this.delayed = ctx.keys.delayed(topic, options.group);
    this.group = options.group;
    this.acks = ctx.acks.of(this.stream, this.group);
    this.leaseMs = Math.max(50, options.leaseMs ?? redisInfo.defaultLeaseMs);
    this.prefetch = options.prefetch && options.prefetch > 0 ? options.prefetch : Number.POSITIVE_INFINITY;
    this.batch = Math.min(DEFAULT_BATCH, this.prefetch);
    this.promoteEveryMs = Math.min(500, this.leaseMs / 2);
    this.reclaimEveryMs = Math.min(5000, Math.max(50, this.leaseMs / 4));
    this.cleanupEveryMs = Math.max(10_000, Math.min(ctx.deadConsumerIdleMs / 2, 300_000));
    if (options.signal?.aborted) this.controller.abort();
    options.signal?.addEventListener("abort", () => void this.stop(), { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Deliveries one at a time, each checked just before it is handed out, however slowly they are taken. */
  async *run(): AsyncGenerator<Delivery> {
    for await (const batch of this.leases(1)) yield* batch;
  }

  /** Deliveries in the batches they were read in (a worker takes a batch at a time). */
  batches(): AsyncGenerator<Delivery[]> {
    return this.leases(Number.POSITIVE_INFINITY);
  }

  /** The consume loop: yields up to `most` deliveries at a time from what the last read leased. */
  private async *leases(most: number): AsyncGenerator<Delivery[]> {
    const signal = this.controller.signal;
    let recovering = true;
    let historyCursor = "0-0";
    let failures = 0;
    try {
      while (!signal.aborted) {
        try {
          if (this.buffer.length > 0) {
            const { batch, failed } = await this.prepareBuffered(most);
            if (batch.length > 0 && !signal.aborted) yield batch;
            // The entry that failed stays first in the buffer: it is prepared again after the pause.
            if (failed) throw failed.err;
            continue;
          }
          // Read again once half the prefetch is free, not on every single ack: one XREADGROUP of many
          // entries instead of many of one. Work is still in flight meanwhile, so nothing starves.
          if (this.held.size >= this.prefetch || (this.held.size > 0 && this.free() < this.prefetch / 2)) {
            await this.settled.sleep(Number.POSITIVE_INFINITY, signal);
            continue;
          }
          if (!this.name) await this.start();
          if (signal.aborted) break;
          await this.ctx.ensureGroup(this.stream, this.group);
          // Nothing may claim or re-read entries after stop() handed them back.
          if (signal.aborted) break;
          if (recovering) {
            historyCursor = await this.readOwnPending(historyCursor);
            recovering = historyCursor !== "";
          } else {
            await this.housekeeping();
            if (this.buffer.length === 0 && !signal.aborted) await this.readNew();
          }
          failures = 0;
        } catch (err) {
          if (signal.aborted) break;
          if (isRedisReply(err, "NOGROUP")) {
            // The stream or group vanished (a Redis without persistence restarted): make it again.
            this.ctx.forgetGroup(this.stream, this.group);
            recovering = true;
            historyCursor = "0-0";
          }
          if (failures++ === 0) {
            this.ctx.logger.warn({ err, topic: this.topic }, "redis consume failed; retrying");
          }
          await sleep(Math.min(2000, 100 * 2 ** Math.min(failures, 5)), signal);
        }
      }
    } finally {
      await this.stop();
      this.onFinished();
    }
  }

  /** Stops leasing, hands back every entry this consumer holds, releases its connection and name. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.controller.abort();
      // Like the memory backend: a delivery handed back is no longer this consumer's to settle.
      for (const delivery of this.held.values()) delivery.abandon();
      this.held.clear();
      this.buffer = [];
      this.blocking?.disconnect();
      if (this.name) {
        await this.ctx.scripts
          .handBack(this.stream, this.group, this.name, HAND_BACK_MAX)
          .catch((err: Error) => {
            this.ctx.logger.warn(
              { err, topic: this.topic },
              "hand-back failed; entries return after their lease",
            );
          });
      }
      await this.releaseName?.();
    })();
    return this.stopping;
  }

  private async start(): Promise<void> {
    if (this.options.consumer) {
      this.name = this.options.consumer;
    } else {
      const slot = await this.ctx.names.acquire();
      if (this.stopping) {
        // stop() ran while we waited for the slot: it had no name to release yet.
        await slot.release();
        return;
      }
      this.name = slot.name;
      this.releaseName = slot.release;
    }
    this.blocking = await this.ctx.openBlocking(this.name);
    if (this.controller.signal.aborted) this.blocking.disconnect();
  }

  private free(): number {
    return this.prefetch - this.held.size - this.buffer.length;
  }

  private capacity(): number {
    return Math.max(1, Math.min(this.batch, this.free()));
  }

  /** XREADGROUP with id 0: what this name held when it stopped. Returns the next cursor, "" when done. */
  private async readOwnPending(cursor: string): Promise<string> {
    const count = this.capacity();
    const start = cursor === "0-0" ? "-" : `(${cursor}`;
    const replies = await this.ctx.client
      .pipeline()
      .call("XREADGROUP", "GROUP", this.group, this.name!, "COUNT", count, "STREAMS", this.stream, cursor)
      .call("XPENDING", this.stream, this.group, start, "+", count, this.name!)
      .exec();
    const [readErr, read] = replies?.[0] ?? [new Error("no reply"), null];
    const [pendErr, pending] = replies?.[1] ?? [new Error("no reply"), null];
    if (readErr) throw readErr;
    if (pendErr) throw pendErr;
    const counts = new Map((pending as [string, string, number, number][]).map((p) => [p[0], Number(p[3])]));
    const entries = readReplyEntries(read);
    this.take(entries, (id) => counts.get(id) ?? 1);
    return entries.length === 0 ? "" : entries[entries.length - 1]![0];
  }

  /** XREADGROUP >, blocking until something arrives or the next housekeeping is due. */
  private async readNew(): Promise<void> {
    const until = Math.min(this.nextPromote, this.nextReclaim) - Date.now();
    const block = Math.max(1, Math.min(MAX_BLOCK_MS, until));
    const reply = await this.blocking!.call(
      "XREADGROUP",
      "GROUP",
      this.group,
      this.name!,
      "COUNT",
      this.capacity(),
      "BLOCK",
      block,
      "STREAMS",
      this.stream,
      ">",
    );
    this.take(readReplyEntries(reply), () => 1);
  }

  private take(entries: StreamEntry[], count: (id: string) => number): void {
    const now = Date.now();
    const gone: string[] = [];
    for (const [id, fields] of entries) {
      if (fields === null) gone.push(id);
      else this.buffer.push({ id, fields, count: count(id), readAt: now });
    }
    // Deleted from the stream while pending: nothing left to deliver.
    for (const id of gone) void this.acks.ack(id).catch(() => {});
  }

  /** Due retries into the stream; expired leases of others into our buffer; dead consumers out. */
  private async housekeeping(): Promise<void> {
    const { scripts, keys } = this.ctx;
    const stopped = this.controller.signal;
    let now = Date.now();
    if (now >= this.nextPromote) {
      const [, next] = (await scripts.promote(
        this.stream,
        this.delayed,
        keys.deadLetters(this.topic),
        this.group,
        100,
      )) as [number, string | null];
      now = Date.now();
      this.nextPromote = Math.min(
        now + this.promoteEveryMs,
        next === null ? Number.POSITIVE_INFINITY : Number(next),
      );
    }
    if (now >= this.nextReclaim && !stopped.aborted) {
      const [cursor, entries, counts] = (await scripts.reclaim(
        this.stream,
        this.group,
        this.name!,
        this.leaseMs,
        this.reclaimCursor,
        this.capacity(),
      )) as [string, StreamEntry[], number[]];
      const byId = new Map(entries.map((e, i) => [e[0], Number(counts[i] ?? 1)]));
      this.take(entries, (id) => byId.get(id) ?? 1);
      this.reclaimCursor = cursor;
      // A cursor that did not wrap means more may be waiting: look again soon, at once if this pass found some.
      const again = entries.length > 0 ? 0 : Math.min(this.reclaimEveryMs, 100);
      this.nextReclaim = Date.now() + (cursor === "0-0" ? this.reclaimEveryMs : again);
    }
    if (now >= this.nextCleanup && !stopped.aborted) {
      this.nextCleanup = now + this.cleanupEveryMs;
      const removed = (await scripts.cleanupConsumers(
        this.stream,
        this.group,
        this.name!,
        this.ctx.deadConsumerIdleMs,
      )) as string[];
      if (removed.length > 0) {
        this.ctx.logger.info(
          { topic: this.topic, group: this.group, removed },
          "removed dead redis consumers",
        );
      }
    }
  }

  /**
   * Up to `most` deliveries from the front of the buffer. Should preparing one fail (Redis away while
   * a stale lease is checked), those already prepared are still handed out (they are held now) and
   * the rest stay buffered.
   */
  private async prepareBuffered(most: number): Promise<{ batch: Delivery[]; failed?: { err: unknown } }> {
    const batch: Delivery[] = [];
    let taken = 0;
    try {
      while (taken < this.buffer.length && batch.length < most) {
        const prepared = this.prepare(this.buffer[taken]!);
        const delivery = prepared instanceof Promise ? await prepared : prepared;
        taken++;
        if (delivery) batch.push(delivery);
      }
      return { batch };
    } catch (err) {
      return { batch, failed: { err } };
    } finally {
      this.buffer.splice(0, taken);
    }
  }

  /** A leased entry as a Delivery; null when it is not for us (another group's retry, malformed, stolen). */
  private prepare(leased: Leased): Delivery | null | Promise<Delivery | null> {
    const f = topicEntryFields(leased.fields);
    if (f.group && f.group !== this.group) {
      // A retry or replay addressed to another group: this group already had the message.
      void this.acks.ack(leased.id).catch(() => {});
      return null;
    }
    const envelope = parseEnvelope(f.envelope);
    if (typeof envelope === "string") return this.deadLetterMalformed(leased, envelope);
    // Waited in the buffer a while: make sure the lease is still ours and fresh before handing it out.
    if (Date.now() - leased.readAt > this.leaseMs / 3) {
      return this.ctx.scripts
        .extend(this.stream, ...this.ownership(leased))
        .then((kept) => (kept === 1 ? this.delivery(leased, envelope, f) : null));
    }
    return this.delivery(leased, envelope, f);
  }

  private async deadLetterMalformed(leased: Leased, why: string): Promise<null> {
    const f = fieldMap(leased.fields);
    const raw = f.envelope ?? JSON.stringify(f);
    await this.deadLetterLeased(leased, raw, f.id ?? "", `malformed stream entry: ${why}`, leased.count);
    return null;
  }

  /** One script: the entry to `<topic>.dlq` with the reason, and acked, if it is still ours. */
  private async deadLetterLeased(
    leased: Leased,
    raw: string,
    messageId: string,
    reason: string,
    attempts: number,
  ): Promise<void> {
    await this.ctx.scripts.deadLetter(
      this.stream,
      this.ctx.keys.deadLetters(this.topic),
      ...this.ownership(leased),
      raw,
      messageId,
      reason,
      attempts,
      this.topic,
    );
  }

  private ownership(leased: Leased): [string, string, string, number] {
    return [this.group, this.name!, leased.id, leased.count];
  }

  private delivery(leased: Leased, message: Envelope, f: TopicEntryFields): Delivery {
    const attempt = (Number(f.attempt) || 0) + leased.count;
    const delivery = new RedisDelivery(this, leased, message, attempt, f.envelope!);
    this.held.set(leased.id, delivery);
    return delivery;
  }

  release(delivery: RedisDelivery): void {
    if (this.held.get(delivery.id) === delivery) this.held.delete(delivery.id);
    this.settled.notify();
  }

  ackEntry(delivery: RedisDelivery): Promise<void> {
    return this.acks.ack(delivery.id);
  }

  async retryEntry(delivery: RedisDelivery, delayMs: number, error: string): Promise<void> {
    const delay = Math.max(0, Math.round(delayMs));
    await this.ctx.scripts.retry(
      this.stream,
      this.delayed,
      ...this.ownership(delivery.leased),
      delay,
      delivery.attempt,
      delivery.raw,
      delivery.message.id,
      error,
    );
    if (delay > 0) this.nextPromote = Math.min(this.nextPromote, Date.now() + delay);
  }

  deadLetterEntry(delivery: RedisDelivery, reason: string): Promise<void> {
    const { leased, raw, message, attempt } = delivery;
    return this.deadLetterLeased(leased, raw, message.id, reason, attempt);
  }

  async extendEntry(delivery: RedisDelivery): Promise<void> {
    await this.ctx.scripts.extend(this.stream, ...this.ownership(delivery.leased));
  }
}
