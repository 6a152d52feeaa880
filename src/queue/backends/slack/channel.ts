import type { LockApi } from "../../../slack/lock-api.js";
import { SlackLockError } from "../../../slack/lock-errors.js";
import type { Reactions } from "../../../slack/lock-state.js";
import type { Metadata } from "./codec.js";

export interface ChannelMessage {
  ts: string;
  eventType: string | undefined;
  payload: Record<string, unknown>;
  reactions: Reactions;
}

/** Slack timestamps "<seconds>.<micros>" in order. */
export function compareTs(a: string, b: string): number {
  const [as, au = "0"] = a.split(".");
  const [bs, bu = "0"] = b.split(".");
  return Number(as) - Number(bs) || Number(au.padEnd(6, "0")) - Number(bu.padEnd(6, "0"));
}

/** A time in ms as a Slack `oldest` bound. */
export const tsOf = (ms: number): string => (ms / 1000).toFixed(6);
export const msOf = (ts: string): number => Number(ts) * 1000;

function reactionsOf(raw: unknown): Reactions {
  const out: Reactions = new Map();
  for (const r of Array.isArray(raw) ? raw : []) {
    const { name, users } = r as { name?: unknown; users?: unknown };
    if (typeof name === "string" && Array.isArray(users))
      out.set(
        name,
        users.filter((u) => typeof u === "string"),
      );
  }
  return out;
}

function parse(raw: Record<string, unknown>): ChannelMessage {
  const metadata = raw.metadata as { event_type?: unknown; event_payload?: unknown } | undefined;
  return {
    ts: String(raw.ts),
    eventType: typeof metadata?.event_type === "string" ? metadata.event_type : undefined,
    payload: (typeof metadata?.event_payload === "object" && metadata.event_payload !== null
      ? metadata.event_payload
      : {}) as Record<string, unknown>,
    reactions: reactionsOf(raw.reactions),
  };
}

const PAGE = 200;

/** The queue channel: post messages with metadata, read the history back with it. */
export class SlackChannel {
  constructor(
    readonly api: LockApi,
    readonly id: string,
  ) {}

  private fail(method: string, error: string): never {
    throw new SlackLockError(error, method, `${method} in the queue channel ${this.id} failed: ${error}`);
  }

  /** Posts and resolves with the message ts, once Slack stored it. */
  async post(
    text: string,
    metadata: Metadata,
    options: { threadTs?: string; budgetMs?: number } = {},
  ): Promise<string> {
    const answer = await this.api.call(
      "chat.postMessage",
      {
        channel: this.id,
        text,
        metadata,
        unfurl_links: false,
        unfurl_media: false,
        ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
      },
      options.budgetMs,
    );
    if (!answer.ok) this.fail("chat.postMessage", answer.error);
    return String(answer.data.ts);
  }

  async remove(ts: string): Promise<void> {
    await this.api.must("chat.delete", { channel: this.id, ts }, ["message_not_found"]);
  }

  /** Every top-level message from `oldest` (inclusive) on, oldest first, metadata and reactions included. */
  async read(oldest: string): Promise<ChannelMessage[]> {
    const out: ChannelMessage[] = [];
    let cursor: string | undefined;
    do {
      const answer = await this.api.call("conversations.history", {
        channel: this.id,
        oldest,
        inclusive: true,
        include_all_metadata: true,
        limit: PAGE,
        ...(cursor ? { cursor } : {}),
      });
      if (!answer.ok) this.fail("conversations.history", answer.error);
      for (const m of (answer.data.messages ?? []) as Record<string, unknown>[]) out.push(parse(m));
      cursor =
        (answer.data.response_metadata as { next_cursor?: string } | undefined)?.next_cursor || undefined;
    } while (cursor);
    return out.sort((a, b) => compareTs(a.ts, b.ts));
  }

  /** The payloads of a split body's parts, or null while some are missing. */
  async parts(ts: string, n: number, eventType: string): Promise<Record<string, unknown>[] | null> {
    const answer = await this.api.call("conversations.replies", {
      channel: this.id,
      ts,
      include_all_metadata: true,
      limit: 1000,
    });
    if (!answer.ok) this.fail("conversations.replies", answer.error);
    const replies = ((answer.data.messages ?? []) as Record<string, unknown>[])
      .map(parse)
      .filter((m) => m.ts !== ts);
    // A part posted twice (a retried post) counts once.
    const byIndex = new Map<number, Record<string, unknown>>();
    for (const m of replies)
      if (m.eventType === eventType && !byIndex.has(Number(m.payload.i)))
        byIndex.set(Number(m.payload.i), m.payload);
    return byIndex.size >= n ? [...byIndex.values()] : null;
  }

  /** Can we read the channel (member, valid token)? */
  async probe(): Promise<void> {
    const answer = await this.api.call("conversations.history", { channel: this.id, limit: 1 });
    if (!answer.ok) this.fail("conversations.history", answer.error);
  }
}
