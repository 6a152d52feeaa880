import { type Envelope, isEnvelope } from "../../../envelope/envelope.js";
import type { DeadLetter } from "../../types.js";

/** One stream entry as XREADGROUP / XRANGE return it; `fields` is null when the entry was deleted. */
export type StreamEntry = [id: string, fields: string[] | null];

export function fieldMap(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

/** The fields of a topic entry a consumer reads (layout: docs/redis.md); the others are ignored. */
export interface TopicEntryFields {
  envelope: string | undefined;
  id: string | undefined;
  /** Set on a retry or replay addressed to one group. */
  group: string | undefined;
  /** Attempts before this entry was written (a retry's). */
  attempt: string | undefined;
}

/** Reads a topic entry's fields off the flat list, without an object keyed by whatever names it has. */
export function topicEntryFields(flat: readonly string[]): TopicEntryFields {
  const f: TopicEntryFields = { envelope: undefined, id: undefined, group: undefined, attempt: undefined };
  for (let i = 0; i + 1 < flat.length; i += 2) {
    switch (flat[i]) {
      case "envelope":
        f.envelope = flat[i + 1];
        break;
      case "id":
        f.id = flat[i + 1];
        break;
      case "group":
        f.group = flat[i + 1];
        break;
      case "attempt":
        f.attempt = flat[i + 1];
        break;
    }
  }
  return f;
}

/** XREADGROUP's reply for one stream: [[key, entries]] or null when the BLOCK timed out. */
export function readReplyEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const first = reply[0] as [string, StreamEntry[]] | undefined;
  return first?.[1] ?? [];
}

/** The envelope of an entry, or why it is not one (another program published something else). */
export function parseEnvelope(raw: string | undefined): Envelope | string {
  if (raw === undefined) return "entry has no envelope field";
  try {
    const value: unknown = JSON.parse(raw);
    return isEnvelope(value) ? value : "envelope is not a version 1 Slackline envelope";
  } catch {
    return "envelope is not JSON";
  }
}

/** A DLQ entry as a DeadLetter. A malformed original is kept as the raw string it was. */
export function toDeadLetter(topic: string, [id, flat]: StreamEntry): DeadLetter {
  const f = fieldMap(flat ?? []);
  let message: unknown = f.envelope ?? null;
  try {
    message = JSON.parse(f.envelope ?? "null");
  } catch {
    // keep the raw string: replay and purge still work on it
  }
  return {
    id,
    topic: f.topic || topic,
    group: f.group || null,
    message: message as Envelope,
    reason: f.reason ?? "",
    attempts: Number(f.attempts) || 0,
    dead_at: Number(f.dead_at) || Number(id.split("-")[0]),
  };
}
