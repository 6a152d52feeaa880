/** Every broker object one topic uses. Group names go into queue names as they are. */
export interface TopicNames {
  /** Durable topic exchange: publish() routes here, every group queue is bound with "#". */
  exchange: string;
  /** Fanout exchange the group queues dead-letter into (delivery limit), bound to `dlq`. */
  dlx: string;
  dlq: string;
}

export const topicNames = (topic: string): TopicNames => ({
  exchange: topic,
  dlx: `${topic}.dlx`,
  dlq: `${topic}.dlq`,
});

const GROUP_INFIX = ".group.";

export const groupQueue = (topic: string, group: string): string => `${topic}${GROUP_INFIX}${group}`;

/** A delayed-retry queue: every message in it waits `ms`, then dead-letters back to the group queue. */
export const delayQueue = (topic: string, group: string, ms: number): string =>
  `${groupQueue(topic, group)}.delay.${ms}`;

/** The group a group queue name belongs to, or null. */
export function groupOfQueue(topic: string, queue: string): string | null {
  const prefix = `${topic}${GROUP_INFIX}`;
  return queue.startsWith(prefix) ? queue.slice(prefix.length) : null;
}

/**
 * Delays are rounded up to two significant digits (600 -> 600, 1234 -> 1300): at most 10% later,
 * and a bounded number of delay queues however much the worker's backoff jitters.
 */
export function roundDelay(ms: number): number {
  if (ms <= 0) return 0;
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(ms)) - 1);
  return Math.ceil(ms / magnitude) * magnitude;
}
