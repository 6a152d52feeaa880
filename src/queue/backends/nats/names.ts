import { createHash } from "node:crypto";

/**
 * A NATS subject token / stream / consumer name for any string. Names that are already safe stay
 * readable; others get their unsafe characters replaced plus a short hash, so "a.b" and "a_b" differ.
 * The output never contains "-", which keeps the "-dlq" stream suffix unambiguous.
 */
export function token(name: string): string {
  if (/^[A-Za-z0-9_]+$/.test(name)) return name;
  const hash = createHash("sha1").update(name).digest("hex").slice(0, 8);
  return `${name.replace(/[^A-Za-z0-9_]/g, "_")}_${hash}`;
}

/** Every JetStream name one topic uses. */
export interface TopicNames {
  stream: string;
  /** Where publish() writes: every group's consumer reads it. */
  subject: string;
  /** `<subject>.replay.<group>`: dead letters replayed to one group; other groups skip them. */
  replayPrefix: string;
  dlqStream: string;
  dlqSubject: string;
}

export function topicNames(prefix: string, topic: string): TopicNames {
  const p = token(prefix);
  const t = token(topic);
  return {
    stream: `${p}_${t}`,
    subject: `${p}.${t}`,
    replayPrefix: `${p}.${t}.replay.`,
    dlqStream: `${p}_${t}-dlq`,
    dlqSubject: `${p}.${t}.dlq`,
  };
}

export const replaySubject = (names: TopicNames, group: string): string =>
  `${names.replayPrefix}${token(group)}`;

/** The durable consumer of a group. */
export const durableName = (group: string): string => token(group);
