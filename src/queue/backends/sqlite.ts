/**
 * The embedded SQLite queue: the default backend. One file (WAL) is shared by every process on the
 * host: a gateway and several workers may run side by side on it.
 *
 * - publish() resolves once its row is committed to the WAL file. Publishes made in the same event-loop
 *   turn share one short transaction (group commit, ./sqlite/group-commit.ts): under load that is one
 *   WAL write per turn instead of one per request. `groupCommit: false` commits each on its own.
 *   Durability: see `synchronous` in ./sqlite/open.ts (NORMAL survives kill -9; FULL survives power loss).
 * - Consumers in this process are woken at once; consumers in other processes poll every `pollMs`,
 *   and a poll costs one `PRAGMA data_version` unless another connection committed something.
 * - Leases expire (30 s by default), and a lease whose holder process died on this host is reclaimed
 *   within `reclaimMs`, so a restarted worker gets its messages back promptly.
 * - Another process holding the write lock never stalls this one for long: writes wait for it off the
 *   event loop (./sqlite/write-gate.ts). A publish fails after `lockWaitMs` (1 s; ingress answers 503),
 *   a worker's write (lease, ack, retry, dead letter) after WORKER_LOCK_WAIT_MS.
 * - Retention: a message row is deleted once every known group of its topic has acked (or
 *   dead-lettered) it; a message published before any group exists is kept for the first one; a group
 *   that stops consuming keeps every later row until dropGroup(). Dead letters keep their own copy.
 *   Expired dedup rows are swept every 1024 dedup writes. Details in ./sqlite/schema.ts.
 */

import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import type { Env } from "../../config/env.js";
import { type Envelope, envelopeJson } from "../../envelope/envelope.js";
import { type Logger, silentLogger } from "../../observability/logger.js";
import { SettleOnce } from "../settle-once.js";
import type { TurnBatcher } from "../turn-batcher.js";
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
import { sqliteInfo } from "./sqlite/about.js";
import { type Checkpointer, startCheckpointer } from "./sqlite/checkpointer.js";
import { DedupTable } from "./sqlite/dedup-table.js";
import { GroupCommit, type PendingPublish } from "./sqlite/group-commit.js";
import { holderIsDead, SELF } from "./sqlite/liveness.js";
import {
  lockBoundsFromEnv,
  openSqlite,
  resolveSqlitePath,
  type Synchronous,
  synchronousFromEnv,
} from "./sqlite/open.js";
import { type DeadRow, type LeasedRow, prepareStatements, type Statements } from "./sqlite/statements.js";
import { prepareTransactions, type QueueTransactions } from "./sqlite/transactions.js";
import { turnCommit } from "./sqlite/turn-commit.js";
import { isBusy, SqliteLockedError, type WriteGate, writeGate } from "./sqlite/write-gate.js";

export interface SqliteQueueOptions {
  /** The database file; `:memory:` works for a single instance. */
  path: string;
  /** How often an idle consumer looks for work published by other processes (default 50 ms). */
  pollMs?: number;
  /** How often consumers look for leases held by dead processes on this host (default 1000 ms). */
  reclaimMs?: number;
  /** NORMAL (default) or FULL; see ./sqlite/open.ts. */
  synchronous?: Synchronous;
  /** How long one write attempt may block the event loop on another process's lock (default 10 ms). */
  busyTimeoutMs?: number;
  /** How long a publish waits for another process's write lock before it fails (default 1000 ms). */
  lockWaitMs?: number;
  /** Share one transaction among the publishes of one event-loop turn (default true). */
  groupCommit?: boolean;
  logger?: Logger;
}

const DEFAULT_POLL_MS = 50;
const DEFAULT_RECLAIM_MS = 1000;

/** A worker's writes answer no one in a hurry: they wait for another process's lock this long. */
const WORKER_LOCK_WAIT_MS = 30_000;
/** After a lease found the lock held this long, a consumer looks again after a pause. */
const LOCKED_PAUSE_MS = 100;

/** Most rows one lease transaction takes. */
const MAX_CLAIM_BATCH = 32;

interface Lease {
  seq: number;
  attempt: number;
  once: SettleOnce;
}

interface Leased {
  row: LeasedRow;
  lease: Lease;
}

interface Consumer {
  group: string;
  name: string;
  held: Set<Lease>;
  /** Notified when a lease settles, for `prefetch`. */
  settled: Wakeup;
}

export class SqliteQueue implements QueueBackend {
  readonly name = "sqlite";
  readonly durable = true;
  readonly path: string;
  private readonly db: Database.Database;
  private readonly gate: WriteGate;
  private readonly s: Statements;
  private readonly dedup: DedupTable;
  private readonly pollMs: number;
  private readonly reclaimMs: number;
  private readonly logger: Logger;
  private readonly closing = new AbortController();
  private readonly wakeups = new Map<string, Wakeup>();
  private readonly consumers = new Set<Consumer>();
  /** Bumped on every local write that can make work visible (our own writes leave data_version alone). */
  private generation = 0;
  private nextReclaimAt = 0;
  private readonly tx: QueueTransactions;
  private readonly batcher: GroupCommit | null;
  private readonly checkpointer: Checkpointer | null;
  private readonly acks: TurnBatcher<() => unknown, undefined>;

  constructor(options: SqliteQueueOptions) {
    this.path = options.path;
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.reclaimMs = options.reclaimMs ?? DEFAULT_RECLAIM_MS;
    this.logger = options.logger ?? silentLogger;
    this.db = openSqlite(options.path, {
      synchronous: options.synchronous,
      busyTimeoutMs: options.busyTimeoutMs,
      lockWaitMs: options.lockWaitMs,
    });
    this.gate = writeGate(this.db);
    const s = prepareStatements(this.db);
    this.s = s;
    this.dedup = new DedupTable(this.db);
    this.checkpointer = options.path === ":memory:" ? null : startCheckpointer(options.path);
    this.acks = turnCommit(this.db, (op: () => unknown) => op(), WORKER_LOCK_WAIT_MS);

    // A worker with free slots takes a batch of rows per commit (MAX_CLAIM_BATCH).
    this.tx = prepareTransactions(this.db, s, this.dedup, (topic, group, seq) => {
      this.logger.warn({ topic, group, seq }, "sqlite queue: delivery without a message row dropped");
      this.generation++;
    });
    this.batcher =
      options.groupCommit === false ? null : new GroupCommit((batch) => this.commit(batch), this.gate);

    this.logger.debug({ path: options.path }, "sqlite queue open");
  }

  static fromEnv(env: Env, options: Partial<SqliteQueueOptions> = {}): SqliteQueue {
    return new SqliteQueue({
      path: resolveSqlitePath(env),
      synchronous: synchronousFromEnv(env),
      ...lockBoundsFromEnv(env),
      ...options,
    });
  }

  private assertOpen(): void {
    if (this.closing.signal.aborted) throw new QueueClosedError(this.name);
  }

  private wakeup(topic: string): Wakeup {
    let w = this.wakeups.get(topic);
    if (!w) {
      w = new Wakeup();
      this.wakeups.set(topic, w);
    }
    return w;
  }

  /** Something became visible in `topic` (or everywhere): wake this process's consumers. */
  private changed(topic?: string): void {
    this.generation++;
    if (topic === undefined) for (const w of this.wakeups.values()) w.notify();
    else this.wakeups.get(topic)?.notify();
  }

  publish(topic: string, message: Envelope): Promise<string> {
    return this.enqueue(topic, message, null, 0) as Promise<string>;
  }

  /** Dedup by `message.id` and publish in one transaction; the key is shared with SqliteDedupStore. */
  publishOnce(topic: string, message: Envelope, dedupTtlSeconds: number): Promise<string | null> {
    return this.enqueue(topic, message, message.id, dedupTtlSeconds * 1000);
  }

  private enqueue(
    topic: string,
    message: Envelope,
    key: string | null,
    ttlMs: number,
  ): Promise<string | null> {
    if (this.closing.signal.aborted) return Promise.reject(new QueueClosedError(this.name));
    let body: string;
    try {
      body = envelopeJson(message);
    } catch (err) {
      return Promise.reject(err);
    }
    const batcher = this.batcher;
    if (batcher === null) {
      const entry = { topic, body, key, ttlMs, resolve: noop, reject: noop };
      return this.gate
        .runAsync(() => this.commit([entry]))
        .then(([seq]) => (seq == null ? null : String(seq)));
    }
    return new Promise((resolve, reject) => {
      batcher.add({
        topic,
        body,
        key,
        ttlMs,
        resolve: (seq) => resolve(seq === null ? null : String(seq)),
        reject,
      });
    });
  }

  /** Writes publishes in one transaction (a lone plain publish is a single autocommit INSERT). */
  private commit(batch: PendingPublish[]): (number | null)[] {
    const only = batch.length === 1 ? batch[0]! : null;
    const seqs =
      only !== null && only.key === null
        ? [Number(this.s.insertMessage.run(only.topic, only.body, Date.now(), null).lastInsertRowid)]
        : this.tx.publish.immediate(batch);
    for (let i = 0; i < batch.length; i++) if (seqs[i] !== null) this.changed(batch[i]!.topic);
    return seqs;
  }

  async *consume(topic: string, options: ConsumeOptions): AsyncGenerator<Delivery> {
    if (this.closing.signal.aborted) return;
    const leaseMs = options.leaseMs ?? sqliteInfo.defaultLeaseMs;
    const prefetch = options.prefetch ?? Number.POSITIVE_INFINITY;
    const signal = anySignal(options.signal, this.closing.signal);
    const wake = this.wakeup(topic);
    const consumer: Consumer = {
      group: options.group,
      name: options.consumer ?? randomUUID(),
      held: new Set(),
      settled: new Wakeup(),
    };
    await this.gate.runAsync(
      () => this.s.ensureGroup.run(topic, consumer.group, Date.now()),
      WORKER_LOCK_WAIT_MS,
    );
    this.consumers.add(consumer);
    // Data version and local generation at the last empty look, and when a delayed row comes due.
    let seenVersion = -1;
    let seenGeneration = -1;
    let dueAt = 0;
    // Leased in one transaction, yielded one by one.
    let ready: Leased[] = [];
    try {
      while (!signal.aborted) {
        const next = ready.shift();
        if (next) {
          yield this.delivery(topic, consumer, next, leaseMs);
          continue;
        }
        if (consumer.held.size >= prefetch) {
          await consumer.settled.sleep(Number.POSITIVE_INFINITY, signal);
          continue;
        }
        const now = Date.now();
        this.reclaimDeadHolders(now);
        const version = this.s.dataVersion.get() as number;
        const generation = this.generation;
        if (version === seenVersion && generation === seenGeneration && now < dueAt) {
          await wake.sleep(Math.min(this.pollMs, dueAt - now), signal);
          continue;
        }
        // With a prefetch (a worker's concurrency) fill the free slots at once; without, one at a time.
        const max = Number.isFinite(prefetch) ? Math.min(MAX_CLAIM_BATCH, prefetch - consumer.held.size) : 1;
        const claimed = await this.claim(topic, consumer, leaseMs, now, max);
        if (claimed === "locked") {
          await wake.sleep(LOCKED_PAUSE_MS, signal);
          continue;
        }
        ready = claimed;
        if (ready.length === 0) {
          seenVersion = version;
          seenGeneration = generation;
          dueAt = this.s.nextVisibleAt.get(topic, consumer.group) ?? Number.POSITIVE_INFINITY;
        }
      }
    } finally {
      this.consumers.delete(consumer);
      // Hand back what this consumer still holds, so the group gets it at once.
      if (this.db.open && consumer.held.size > 0) {
        await Promise.allSettled([...consumer.held].map((lease) => this.handBack(consumer, lease)));
        this.changed(topic);
      }
    }
  }

  /**
   * Leases up to `max` rows; each is in consumer.held from here on (handed back if never yielded).
   * "locked": another process held the write lock past the worker's bound; look again after a pause.
   */
  private async claim(
    topic: string,
    consumer: Consumer,
    leaseMs: number,
    now: number,
    max: number,
  ): Promise<Leased[] | "locked"> {
    const { group } = consumer;
    // A read first: only take the write lock when there is something to take.
    if (!this.s.hasWork.get(topic, group, now, topic, topic, group, group)) return [];
    let rows: LeasedRow[];
    try {
      rows = await this.gate.runAsync(
        () => this.tx.claim.immediate(topic, group, consumer.name, leaseMs, max),
        WORKER_LOCK_WAIT_MS,
      );
    } catch (err) {
      if (!(err instanceof SqliteLockedError)) throw err;
      this.logger.warn(
        { topic, group, err },
        "sqlite queue: write lock held elsewhere; will retry the lease",
      );
      return "locked";
    }
    return rows.map((row) => {
      const lease: Lease = { seq: row.seq, attempt: row.attempt, once: new SettleOnce() };
      consumer.held.add(lease);
      return { row, lease };
    });
  }

  private delivery(topic: string, consumer: Consumer, { row, lease }: Leased, leaseMs: number): Delivery {
    const { seq, attempt } = row;
    const { once } = lease;
    const { group, name } = consumer;
    const s = this.s;
    const settle = (fn: () => void) =>
      once.run(async () => {
        try {
          this.assertOpen();
          await this.gate.runAsync(fn, WORKER_LOCK_WAIT_MS);
        } finally {
          consumer.held.delete(lease);
          consumer.settled.notify();
        }
      });
    return {
      id: String(seq),
      topic,
      message: JSON.parse(row.body as string) as Envelope,
      attempt,
      // Acks of one event-loop turn share one commit (a worker settles many deliveries at once).
      ack: () =>
        once.run(async () => {
          try {
            this.assertOpen();
            await this.acks.add(() => s.ack.run(seq, group, attempt, name));
          } finally {
            consumer.held.delete(lease);
            consumer.settled.notify();
          }
        }),
      retry: (delayMs) =>
        settle(() => {
          if (s.release.run(Date.now() + Math.max(0, delayMs), seq, group, attempt, name).changes)
            this.changed(topic);
        }),
      deadLetter: (reason) => settle(() => this.tx.deadLetter.immediate(reason, seq, group, attempt, name)),
      extend: async () => {
        if (once.isSettled || !this.db.open) return;
        await this.gate.runAsync(
          () => s.extend.run(Date.now() + leaseMs, seq, group, attempt, name),
          WORKER_LOCK_WAIT_MS,
        );
      },
    };
  }

  /** Makes an unsettled lease visible to the group again, now (else its lease expiry does). */
  private handBack(consumer: Consumer, lease: Lease): Promise<void> {
    return lease.once.run(async () => {
      consumer.held.delete(lease);
      await this.gate.runAsync(() =>
        this.s.release.run(0, lease.seq, consumer.group, lease.attempt, consumer.name),
      );
    });
  }

  /** Leases held by processes on this host that are gone come back at once, not after the lease. */
  private reclaimDeadHolders(now: number): void {
    // While writes wait for another process's lock, this one would only meet it too.
    if (now < this.nextReclaimAt || this.gate.waiting) return;
    this.nextReclaimAt = now + this.reclaimMs;
    let reclaimed = 0;
    try {
      for (const holder of this.s.holders.all(SELF.host, now)) {
        if (!holderIsDead(holder.pid, holder.start)) continue;
        const count = this.s.reclaim.run(SELF.host, holder.pid, holder.start, now).changes;
        if (count > 0)
          this.logger.info({ pid: holder.pid, count }, "sqlite queue: reclaimed leases of a dead process");
        reclaimed += count;
      }
    } catch (err) {
      // Busy: the next round tries again, and lease expiry is the backstop anyway.
      if (isBusy(err)) this.logger.debug({ err }, "sqlite queue: dead-holder reclaim met the write lock");
      else this.logger.warn({ err }, "sqlite queue: dead-holder reclaim failed");
    }
    if (reclaimed > 0) this.changed();
  }

  async listDeadLetters(
    topic: string,
    options: { limit?: number; after?: string } = {},
  ): Promise<DeadLetter[]> {
    this.assertOpen();
    const after = options.after === undefined ? 0 : Number(options.after);
    // Not one of our ids: nothing comes after it.
    if (!Number.isSafeInteger(after)) return [];
    return this.s.listDead.all(topic, after, options.limit ?? 100).map(toDeadLetter);
  }

  async replayDeadLetters(topic: string, options: { ids?: string[] } = {}): Promise<number> {
    this.assertOpen();
    const ids = options.ids ? toIds(options.ids) : null;
    const count = await this.gate.runAsync(() => this.tx.replay.immediate(topic, ids), WORKER_LOCK_WAIT_MS);
    if (count > 0) this.changed(topic);
    return count;
  }

  async purgeDeadLetters(topic: string, options: { ids?: string[] } = {}): Promise<number> {
    this.assertOpen();
    const ids = options.ids ? JSON.stringify(toIds(options.ids)) : null;
    const purge = () =>
      ids === null ? this.s.purgeAll.run(topic).changes : this.s.purgeSome.run(topic, ids).changes;
    return this.gate.runAsync(purge, WORKER_LOCK_WAIT_MS);
  }

  /**
   * Forgets a consumer group: its pending messages and leases go, and rows only it was keeping are
   * deleted. For a group that will never consume again (otherwise the file keeps everything for it).
   */
  async dropGroup(topic: string, group: string): Promise<void> {
    this.assertOpen();
    await this.gate.runAsync(() => this.tx.dropGroup.immediate(topic, group), WORKER_LOCK_WAIT_MS);
  }

  /** Reads answer while another process holds the write lock; not ready once writes waited past the bound. */
  async ping(): Promise<void> {
    this.assertOpen();
    const locked = this.gate.lockedForMs(this.probeLock);
    if (locked > this.gate.waitMs)
      throw new SqliteLockedError(
        `no write could commit for ${locked} ms: another process holds the write lock`,
      );
    this.s.ping.get();
  }

  /** Takes the write lock and lets it go at once: is another process still holding it? */
  private readonly probeLock = (): void => {
    this.db.exec("BEGIN IMMEDIATE");
    this.db.exec("ROLLBACK");
  };

  async stats(topic: string, group: string): Promise<QueueStats> {
    this.assertOpen();
    const held = this.s.statsHeld.get(topic, group);
    const backlog = this.s.statsBacklog.get(topic, topic, group, group);
    const depth = (held?.n ?? 0) + (backlog?.n ?? 0);
    const oldest = minOf(held?.oldest ?? null, backlog?.oldest ?? null);
    return { depth, oldestAgeMs: oldest === null ? null : Math.max(0, Date.now() - oldest) };
  }

  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    // Publishes and acks accepted before close() still commit.
    this.batcher?.flush();
    this.acks.flush();
    // Hand back every unsettled delivery before the connection goes; consume loops end on the abort.
    const handing: Promise<void>[] = [];
    for (const consumer of this.consumers)
      for (const lease of consumer.held) handing.push(this.handBack(consumer, lease));
    await Promise.allSettled(handing);
    this.consumers.clear();
    this.gate.close();
    this.db.close();
    await this.checkpointer?.stop();
  }
}

const noop = (): void => {};

function toDeadLetter(row: DeadRow): DeadLetter {
  return {
    id: String(row.id),
    topic: row.topic,
    group: row.grp,
    message: JSON.parse(row.body) as Envelope,
    reason: row.reason,
    attempts: row.attempts,
    dead_at: row.dead_at,
  };
}

/** Dead-letter ids are integers; anything else matches nothing. */
function toIds(ids: readonly string[]): number[] {
  return ids.map(Number).filter(Number.isSafeInteger);
}

function minOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

export const sqliteBackend: QueueBackendFactory = {
  ...sqliteInfo,
  fromEnv: (env) => SqliteQueue.fromEnv(env),
};
