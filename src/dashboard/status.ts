import type { DedupStore } from "../dedup/types.js";
import type { QueueBackend } from "../queue/types.js";
import type { HealthView, QueueFigures } from "./api-types.js";
import { checkHealth, NOT_CHECKED, readQueueFigures, UNKNOWN_QUEUE } from "./probes.js";

export interface StatusOptions {
  backend: QueueBackend;
  topic: string;
  /** The groups to read queue figures for (asked again on every round: new ones appear). */
  groups: () => readonly string[];
  /** Readiness as /readyz sees it (default: backend.ping()). */
  ready: () => Promise<unknown>;
  /** The dedup store this process uses, if it uses one of its own. */
  dedup: DedupStore | null;
  /** Default 2000 ms. */
  intervalMs?: number;
  /** Default 3000 ms. */
  timeoutMs?: number;
}

/** A key no one writes: looking it up proves the store answers, and changes nothing. */
const PROBE_KEY = "slackline:dashboard:probe";

/**
 * Asks the backend (queue figures per group, readiness) and the dedup store how they are, every
 * couple of seconds, but only while someone watches: an unwatched dashboard sends the backend nothing.
 */
export class StatusPoller {
  private readonly queues = new Map<string, QueueFigures>();
  private readiness: HealthView = NOT_CHECKED;
  private dedupHealth: HealthView = NOT_CHECKED;
  private watchers = 0;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | null = null;

  constructor(private readonly o: StatusOptions) {}

  /** Polls while at least one watcher is registered; returns the function that unregisters it. */
  watch(): () => void {
    this.watchers++;
    if (this.watchers === 1) {
      void this.refresh();
      this.timer = setInterval(() => void this.refresh(), this.o.intervalMs ?? 2000);
      this.timer.unref();
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.watchers--;
      if (this.watchers === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** One round of checks now; a round still running is joined, not doubled. */
  refresh(): Promise<void> {
    this.round ??= this.check().finally(() => {
      this.round = null;
    });
    return this.round;
  }

  private async check(): Promise<void> {
    const { backend, topic, dedup } = this.o;
    const timeout = this.o.timeoutMs ?? 3000;
    const groups = [...new Set(this.o.groups())];
    const [readiness, dedupHealth, ...figures] = await Promise.all([
      checkHealth(this.o.ready, timeout),
      dedup ? checkHealth(() => dedup.marked([PROBE_KEY]), timeout) : Promise.resolve(null),
      ...groups.map((group) => readQueueFigures(backend, topic, group, timeout)),
    ]);
    this.readiness = readiness;
    this.dedupHealth = dedupHealth ?? {
      ...readiness,
      detail: readiness.ok ? "ok (kept by the queue backend)" : readiness.detail,
    };
    for (let i = 0; i < groups.length; i++) this.queues.set(groups[i]!, figures[i]!);
  }

  queue(group: string): QueueFigures {
    return this.queues.get(group) ?? UNKNOWN_QUEUE;
  }

  health(): { readiness: HealthView; dedup: HealthView } {
    return { readiness: this.readiness, dedup: this.dedupHealth };
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.watchers = 0;
    await this.round;
  }
}
