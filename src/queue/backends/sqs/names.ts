import { createHash } from "node:crypto";

/** SQS queue names: 1-80 characters. */
const MAX_QUEUE_NAME = 80;
/** SNS topic names: 1-256 characters. */
const MAX_TOPIC_NAME = 256;
const DLQ_SUFFIX = "-dlq";

const hash8 = (s: string): string => createHash("sha256").update(s).digest("hex").slice(0, 8);

/**
 * One name part (a topic or a group) as SNS and SQS accept it. A part made of [A-Za-z0-9_] stays as
 * it is; any other gets each other character replaced by "_" and a hash of the original appended,
 * so "slack.events", "slack-events" and "slack_events" stay three names. A part never contains "-":
 * that keeps "<topic>-<group>" and the "-dlq" suffix unambiguous.
 */
export function namePart(name: string): string {
  if (/^[A-Za-z0-9_]+$/.test(name)) return name;
  return `${name.replace(/[^A-Za-z0-9_]/g, "_")}_${hash8(name)}`;
}

/** Over `max` characters: cut, with a hash of the whole name so cut names stay distinct. */
function fitLength(name: string, max: number): string {
  if (name.length <= max) return name;
  return `${name.slice(0, max - 9)}_${hash8(name)}`;
}

/** The SNS topic of a Slackline topic. */
export const snsTopicName = (topic: string): string => fitLength(namePart(topic), MAX_TOPIC_NAME);

export interface GroupQueueNames {
  /** `<topic>-<group>`: the group's queue, subscribed to the topic. */
  queue: string;
  /** `<topic>-<group>-dlq`: its dead-letter queue (the queue's redrive target). */
  dlq: string;
}

export function groupQueueNames(topic: string, group: string): GroupQueueNames {
  const base = fitLength(`${namePart(topic)}-${namePart(group)}`, MAX_QUEUE_NAME - DLQ_SUFFIX.length);
  return { queue: base, dlq: `${base}${DLQ_SUFFIX}` };
}

/** Every dead-letter queue of a topic starts with this (ListQueues' QueueNamePrefix). */
export const queuePrefix = (topic: string): string => `${namePart(topic)}-`;

/** The queue a dead-letter queue serves, or null for a name that is not a DLQ. */
export const sourceOfDlq = (dlqName: string): string | null =>
  dlqName.endsWith(DLQ_SUFFIX) ? dlqName.slice(0, -DLQ_SUFFIX.length) : null;

/** A queue's name: the last path segment of its URL. */
export const queueNameOfUrl = (url: string): string => url.slice(url.lastIndexOf("/") + 1);
