import type { JetStreamClient, JetStreamManager, MsgRequest, StoredMsg } from "@nats-io/jetstream";
import type { Envelope } from "../../../envelope/envelope.js";
import type { DeadLetter } from "../../types.js";
import { isStreamNotFound } from "./errors.js";
import { replaySubject, type TopicNames } from "./names.js";

/** What one message of the `<topic>.dlq` stream holds: JSON, because reasons carry newlines (stacks). */
export interface DeadRecord {
  topic: string;
  group: string | null;
  reason: string;
  attempts: number;
  dead_at: number;
  /** Sequence of the message in the topic stream, for tracing. */
  source_seq: number;
  message: Envelope;
}

const decoder = new TextDecoder();

/** The first message on or after `seq` matching `subject` (wildcards allowed), or null. */
export function nextMessage(
  jsm: JetStreamManager,
  stream: string,
  subject: string,
  seq: number,
): Promise<StoredMsg | null> {
  // The server (2.9+) takes next_by_subj on STREAM.MSG.GET; the client's type only lists seq/last_by_subj.
  return jsm.streams.getMessage(stream, { next_by_subj: subject, seq } as unknown as MsgRequest);
}

function toDeadLetter(seq: number, data: Uint8Array, topic: string): DeadLetter {
  const record = JSON.parse(decoder.decode(data)) as DeadRecord;
  return {
    id: String(seq),
    topic: record.topic ?? topic,
    group: record.group ?? null,
    message: record.message,
    reason: record.reason ?? "",
    attempts: record.attempts ?? 0,
    dead_at: record.dead_at ?? 0,
  };
}

/**
 * Reads the DLQ stream in order without a consumer: one direct get per message (an admin path),
 * from the message after sequence `after` (the id of a dead letter) on.
 */
export async function readDeadLetters(
  jsm: JetStreamManager,
  names: TopicNames,
  topic: string,
  limit: number,
  after = 0,
): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  let seq = after + 1;
  try {
    while (out.length < limit) {
      const sm = await nextMessage(jsm, names.dlqStream, names.dlqSubject, seq);
      if (!sm) break;
      out.push(toDeadLetter(sm.seq, sm.data, topic));
      seq = sm.seq + 1;
    }
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
  }
  return out;
}

async function pick(
  jsm: JetStreamManager,
  names: TopicNames,
  topic: string,
  ids: string[] | undefined,
): Promise<DeadLetter[]> {
  if (!ids) return readDeadLetters(jsm, names, topic, Number.POSITIVE_INFINITY);
  const out: DeadLetter[] = [];
  try {
    for (const id of ids) {
      const seq = Number(id);
      if (!Number.isSafeInteger(seq) || seq < 1) continue;
      const sm = await jsm.streams.getMessage(names.dlqStream, { seq });
      if (sm && sm.subject === names.dlqSubject) out.push(toDeadLetter(sm.seq, sm.data, topic));
    }
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
  }
  return out;
}

/**
 * Republishes each chosen dead letter to its group's replay subject (only that group's consumer
 * takes it; the others ack and skip it), then deletes it from the DLQ. Publish first: a crash in
 * between replays it twice, never zero times. No Nats-Msg-Id, or the duplicate window would drop it.
 */
export async function replayDeadLetters(
  js: JetStreamClient,
  jsm: JetStreamManager,
  names: TopicNames,
  topic: string,
  ids: string[] | undefined,
  publishTimeoutMs: number,
): Promise<number> {
  let count = 0;
  for (const dead of await pick(jsm, names, topic, ids)) {
    const subject = dead.group === null ? names.subject : replaySubject(names, dead.group);
    await js.publish(subject, JSON.stringify(dead.message), { timeout: publishTimeoutMs });
    await jsm.streams.deleteMessage(names.dlqStream, Number(dead.id), false);
    count++;
  }
  return count;
}

export async function purgeDeadLetters(
  jsm: JetStreamManager,
  names: TopicNames,
  topic: string,
  ids: string[] | undefined,
): Promise<number> {
  try {
    if (!ids) return (await jsm.streams.purge(names.dlqStream)).purged;
    let count = 0;
    for (const dead of await pick(jsm, names, topic, ids)) {
      if (await jsm.streams.deleteMessage(names.dlqStream, Number(dead.id), false)) count++;
    }
    return count;
  } catch (err) {
    if (isStreamNotFound(err)) return 0;
    throw err;
  }
}
