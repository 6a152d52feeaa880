import type { RabbitOptions } from "./config.js";
import type { AmqpLink } from "./link.js";
import { delayQueue, groupQueue, topicNames } from "./names.js";

/** Quorum queues: replicated, durable, count deliveries (x-delivery-count), at-least-once dead-lettering. */
const QUORUM = {
  "x-queue-type": "quorum",
  // at-least-once dead-lettering needs reject-publish overflow; without it the broker may drop.
  "x-dead-letter-strategy": "at-least-once",
  "x-overflow": "reject-publish",
};
/** A delay queue outlives its last use by this much, then the broker deletes it (it is empty by then). */
const DELAY_QUEUE_IDLE_MS = 10 * 60_000;

/**
 * Declares exchanges and queues once per process (cached promises, forgotten on failure). Every
 * process declares with the same arguments: RabbitMQ refuses a redeclaration that differs.
 */
export class Topology {
  private readonly done = new Map<string, Promise<void>>();
  /** Groups declared per topic, so a publish knows whether a newly known group still needs its queue. */
  private readonly declaredGroups = new Map<string, Set<string>>();
  /** Every name this process declared (tests delete them afterwards). */
  readonly declaredQueues = new Set<string>();
  readonly declaredExchanges = new Set<string>();

  constructor(
    private readonly link: AmqpLink,
    private readonly options: RabbitOptions,
  ) {}

  /** The topic exchange, its dead-letter exchange and the `<topic>.dlq` queue. */
  topic(topic: string): Promise<void> {
    const n = topicNames(topic);
    return this.once(`t:${topic}`, () =>
      this.link.declare(async (ch) => {
        await ch.assertExchange(n.exchange, "topic", { durable: true });
        await ch.assertExchange(n.dlx, "fanout", { durable: true });
        // A classic queue: listing takes messages and hands them back, and a classic queue puts them
        // back where they were (a 3.10 quorum queue appends them, which would reorder the DLQ).
        // Lazy: dead letters can pile up, they belong on disk.
        await ch.assertQueue(n.dlq, {
          durable: true,
          arguments: { "x-queue-type": "classic", "x-queue-mode": "lazy" },
        });
        await ch.bindQueue(n.dlq, n.dlx, "");
        this.declaredExchanges.add(n.exchange).add(n.dlx);
        this.declaredQueues.add(n.dlq);
      }),
    );
  }

  /** A group's quorum queue, bound to the topic exchange so it gets every message from now on. */
  async group(topic: string, group: string): Promise<void> {
    await this.topic(topic);
    const queue = groupQueue(topic, group);
    await this.once(`g:${queue}`, () =>
      this.link.declare(async (ch) => {
        await ch.assertQueue(queue, {
          durable: true,
          arguments: {
            ...QUORUM,
            "x-delivery-limit": this.options.deliveryLimit,
            "x-dead-letter-exchange": topicNames(topic).dlx,
          },
        });
        await ch.bindQueue(queue, topicNames(topic).exchange, "#");
        this.declaredQueues.add(queue);
        const groups = this.declaredGroups.get(topic) ?? new Set<string>();
        this.declaredGroups.set(topic, groups.add(group));
      }),
    );
  }

  /** Declares the queues of every group in `groups` this process has not declared for `topic` yet. */
  async groups(topic: string, groups: Iterable<string>): Promise<void> {
    const known = this.declaredGroups.get(topic);
    const missing = [...groups].filter((g) => !known?.has(g));
    if (missing.length === 0) return;
    await Promise.all(missing.map((g) => this.group(topic, g)));
  }

  /**
   * A queue whose every message waits `ms` and then dead-letters (at-least-once) to the group queue.
   * Declared on every use: that also pushes back its idle expiry.
   */
  async delay(topic: string, group: string, ms: number): Promise<string> {
    const queue = delayQueue(topic, group, ms);
    await this.link.declare(async (ch) => {
      await ch.assertQueue(queue, {
        durable: true,
        arguments: {
          ...QUORUM,
          "x-message-ttl": ms,
          "x-dead-letter-exchange": "",
          "x-dead-letter-routing-key": groupQueue(topic, group),
          "x-expires": ms + DELAY_QUEUE_IDLE_MS,
        },
      });
    });
    this.declaredQueues.add(queue);
    return queue;
  }

  /** Forget what this process believes exists for a topic (something was deleted under it). */
  forget(topic: string): void {
    this.done.delete(`t:${topic}`);
    for (const g of this.declaredGroups.get(topic) ?? []) this.done.delete(`g:${groupQueue(topic, g)}`);
    this.declaredGroups.delete(topic);
  }

  private once(key: string, create: () => Promise<void>): Promise<void> {
    let p = this.done.get(key);
    if (!p) {
      p = create();
      this.done.set(key, p);
      p.catch(() => this.done.delete(key));
    }
    return p;
  }
}
