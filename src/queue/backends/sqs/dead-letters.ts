import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { DeadLetter } from "../../types.js";
import {
  A_ATTEMPTS,
  A_DEAD_AT,
  A_GROUP,
  A_REASON,
  carriedAttributes,
  readNumber,
  readString,
} from "./attributes.js";
import { parseBody, sentAt } from "./message.js";
import { groupQueueNames, queueNameOfUrl, queuePrefix, sourceOfDlq } from "./names.js";
import type { QueueOps } from "./queue-ops.js";

/** While a listing, replay or purge reads a DLQ its messages are invisible; a crash returns them after this. */
const READ_VISIBILITY_SECONDS = 30;
/**
 * Long polling asks every SQS server (a short poll samples some, and can answer "empty" for a queue
 * that is not), so a read stops at the first receive that waited this long for nothing.
 */
const READ_WAIT_SECONDS = 1;

export interface DeadLetterContext {
  sqs: SQSClient;
  topic: string;
  /** Groups this process knows the exact name of (SLACKLINE_GROUPS and consumed ones). */
  knownGroups: Iterable<string>;
  /** The redrive count to report when a queue's own policy cannot be read. */
  maxAttempts: number;
  ops: (queueUrl: string) => QueueOps;
}

interface DeadLetterQueue {
  url: string;
  name: string;
  group: string;
  /** The group queue it serves (where a replay sends its messages). */
  sourceName: string;
}

/**
 * Every DLQ of the topic: found by name (ListQueues with the topic's prefix; a topic's name part
 * holds no "-", so the prefix matches its own queues only). A group's real name is known for the
 * groups this process was told of; for others it is read back from the queue name, which is exact
 * for group names of [A-Za-z0-9_] (the others were mapped, see names.ts).
 */
async function deadLetterQueues(ctx: DeadLetterContext): Promise<DeadLetterQueue[]> {
  const prefix = queuePrefix(ctx.topic);
  const known = new Map<string, string>();
  for (const group of ctx.knownGroups) known.set(groupQueueNames(ctx.topic, group).dlq, group);
  const found: DeadLetterQueue[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ctx.sqs.send(
      new ListQueuesCommand({
        QueueNamePrefix: prefix,
        MaxResults: 1000,
        ...(NextToken ? { NextToken } : {}),
      }),
    );
    for (const url of page.QueueUrls ?? []) {
      const name = queueNameOfUrl(url);
      const sourceName = sourceOfDlq(name);
      if (!sourceName || !name.startsWith(prefix)) continue;
      found.push({ url, name, sourceName, group: known.get(name) ?? sourceName.slice(prefix.length) });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
}

/** Takes up to `limit` messages off a DLQ (invisible to other readers until handed back or deleted). */
async function take(sqs: SQSClient, url: string, limit: number): Promise<Message[]> {
  const taken: Message[] = [];
  while (taken.length < limit) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(10, limit - taken.length),
        VisibilityTimeout: READ_VISIBILITY_SECONDS,
        WaitTimeSeconds: READ_WAIT_SECONDS,
        MessageSystemAttributeNames: ["SentTimestamp"],
        MessageAttributeNames: ["All"],
      }),
    );
    if (!out.Messages?.length) break;
    taken.push(...out.Messages);
  }
  return taken;
}

/** The maxReceiveCount of the source queue's redrive policy: how many receives SQS allowed. */
async function redriveCount(ctx: DeadLetterContext, sourceName: string): Promise<number> {
  try {
    const { QueueUrl } = await ctx.sqs.send(new GetQueueUrlCommand({ QueueName: sourceName }));
    const { Attributes } = await ctx.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["RedrivePolicy"] }),
    );
    const policy = JSON.parse(Attributes?.RedrivePolicy ?? "{}") as { maxReceiveCount?: unknown };
    return Number(policy.maxReceiveCount) || ctx.maxAttempts;
  } catch {
    return ctx.maxAttempts;
  }
}

function toDeadLetter(ctx: DeadLetterContext, q: DeadLetterQueue, m: Message, redrive: number): DeadLetter {
  const a = m.MessageAttributes;
  const ours = readString(a, A_REASON) !== undefined;
  return {
    id: m.MessageId ?? "",
    topic: ctx.topic,
    group: readString(a, A_GROUP) ?? q.group,
    message: parseBody(m.Body) ?? (m.Body as unknown as DeadLetter["message"]),
    reason: ours
      ? (readString(a, A_REASON) as string)
      : `SQS moved it to the dead-letter queue: received ${redrive} times without being settled (a worker crashed or hung on it)`,
    attempts: readNumber(a, A_ATTEMPTS) ?? redrive,
    // A dead letter SQS moved itself carries no time of death: the time it was first sent stands in.
    dead_at: readNumber(a, A_DEAD_AT) ?? sentAt(m) ?? 0,
  };
}

/**
 * Reads every DLQ of the topic, lets `act` settle the messages it wants (delete them, after a replay
 * or for a purge), and hands every other message back (visibility 0) in its place.
 */
async function withDeadLetters<T>(
  ctx: DeadLetterContext,
  limit: number,
  act: (
    q: DeadLetterQueue,
    taken: Message[],
    redrive: number,
  ) => Promise<{ result: T; settled: Set<Message> }>,
): Promise<T[]> {
  const queues = await deadLetterQueues(ctx);
  return Promise.all(
    queues.map(async (q) => {
      const [taken, redrive] = await Promise.all([
        take(ctx.sqs, q.url, limit),
        redriveCount(ctx, q.sourceName),
      ]);
      const ops = ctx.ops(q.url);
      try {
        const { result, settled } = await act(q, taken, redrive);
        await Promise.all(
          taken
            .filter((m) => !settled.has(m))
            .map((m) => ops.changeVisibility(m.ReceiptHandle ?? "", 0).catch(() => {})),
        );
        return result;
      } catch (err) {
        await Promise.all(taken.map((m) => ops.changeVisibility(m.ReceiptHandle ?? "", 0).catch(() => {})));
        throw err;
      }
    }),
  );
}

export async function listDeadLetters(ctx: DeadLetterContext, limit: number): Promise<DeadLetter[]> {
  const perQueue = await withDeadLetters(ctx, limit, async (q, taken, redrive) => ({
    result: taken.map((m) => toDeadLetter(ctx, q, m, redrive)),
    settled: new Set(),
  }));
  // Standard queues hand messages out in no set order: sort by death, oldest first.
  const all = perQueue.flat().sort((a, b) => a.dead_at - b.dead_at || a.id.localeCompare(b.id));
  return all.slice(0, limit);
}

/** Sends each chosen dead letter back to the group queue it came from, then deletes it from the DLQ. */
export async function replayDeadLetters(ctx: DeadLetterContext, ids: string[] | undefined): Promise<number> {
  const wanted = ids ? new Set(ids) : null;
  const counts = await withDeadLetters(ctx, Number.POSITIVE_INFINITY, async (q, taken) => {
    const settled = new Set<Message>();
    const chosen = taken.filter((m) => !wanted || wanted.has(m.MessageId ?? ""));
    if (chosen.length === 0) return { result: 0, settled };
    const { QueueUrl } = await ctx.sqs.send(new GetQueueUrlCommand({ QueueName: q.sourceName }));
    const target = ctx.ops(QueueUrl ?? "");
    const dlq = ctx.ops(q.url);
    await Promise.all(
      chosen.map(async (m) => {
        await target.send({ body: m.Body ?? "", attributes: carriedAttributes(m.MessageAttributes) });
        await dlq.delete(m.ReceiptHandle ?? "");
        settled.add(m);
      }),
    );
    return { result: settled.size, settled };
  });
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * Deletes dead letters (all, or those ids). Message by message rather than PurgeQueue, which SQS
 * allows once a minute per queue, takes up to a minute, and says nothing of how many it removed.
 */
export async function purgeDeadLetters(ctx: DeadLetterContext, ids: string[] | undefined): Promise<number> {
  const wanted = ids ? new Set(ids) : null;
  const counts = await withDeadLetters(ctx, Number.POSITIVE_INFINITY, async (q, taken) => {
    const settled = new Set<Message>();
    const dlq = ctx.ops(q.url);
    await Promise.all(
      taken
        .filter((m) => !wanted || wanted.has(m.MessageId ?? ""))
        .map(async (m) => {
          await dlq.delete(m.ReceiptHandle ?? "");
          settled.add(m);
        }),
    );
    return { result: settled.size, settled };
  });
  return counts.reduce((a, b) => a + b, 0);
}
