import type { Envelope } from "../../../envelope/envelope.js";
import type { Logger } from "../../../observability/logger.js";
import type { SlackLock } from "../../../slack/lock.js";
import { Wakeup } from "../../wakeup.js";
import type { ChannelMessage, SlackChannel } from "./channel.js";
import { decode, ENVELOPE_EVENT, encode, type Fields, PART_EVENT, partsNeeded } from "./codec.js";
import type { SlackQueueConfig } from "./config.js";

/** How a queue message came to be: published, a retry's copy, a dead letter's replay. */
export type Kind = "p" | "r" | "x";

/** The fields of a queue message's metadata next to its body. */
export interface QueueFields extends Fields {
  topic: string;
  id: string;
  k: Kind;
  /** The delivery attempt this message starts at (1, or n+1 for a retry's copy). */
  attempt: number;
  /** Not to be delivered before this time (ms), for retry(delay). */
  visible_at: number;
}

const SEEN_LIMIT = 50_000;

/** What the publisher, the consumers and the dead-letter tools of one SlackQueue share. */
export class SlackQueueCore {
  private readonly wakeups = new Map<string, Wakeup>();
  /** Queue messages a consumer of this process holds: ts -> since when, and a token per holder. */
  readonly inFlight = new Map<string, { token: object; since: number; staleMs: number }>();
  /** First ts of each published envelope id per topic: a later publish of the same id is a duplicate. */
  private readonly firstSeen = new Map<string, string>();

  constructor(
    readonly config: SlackQueueConfig,
    readonly channel: SlackChannel,
    readonly lock: SlackLock,
    readonly logger?: Logger,
  ) {}

  wakeup(topic: string): Wakeup {
    let w = this.wakeups.get(topic);
    if (!w) {
      w = new Wakeup();
      this.wakeups.set(topic, w);
    }
    return w;
  }

  /** Posts a queue message (and its parts when the body is large); resolves with its ts once stored. */
  async post(
    eventType: string,
    fields: Fields,
    envelope: Envelope,
    text: string,
    budgetMs?: number,
  ): Promise<string> {
    const { metadata, parts } = encode(eventType, fields, envelope);
    const ts = await this.channel.post(text, metadata, { ...(budgetMs ? { budgetMs } : {}) });
    try {
      for (const [i, part] of parts.entries()) {
        await this.channel.post(`part ${i + 1}/${parts.length}`, part, {
          threadTs: ts,
          ...(budgetMs ? { budgetMs } : {}),
        });
      }
    } catch (err) {
      // Half a message is no message: take the head back so nobody waits for its missing parts.
      await this.channel.remove(ts).catch(() => {});
      throw err;
    }
    return ts;
  }

  async postEnvelope(fields: QueueFields, envelope: Envelope, budgetMs?: number): Promise<string> {
    const text = `slackline ${fields.topic} ${fields.id}${fields.attempt > 1 ? ` (attempt ${fields.attempt})` : ""}`;
    const ts = await this.post(ENVELOPE_EVENT, fields, envelope, text, budgetMs);
    this.wakeup(fields.topic).notify();
    return ts;
  }

  /** The envelope of a queue message; null while a split body's parts are still being posted. */
  async envelopeOf(message: ChannelMessage): Promise<Envelope | null> {
    const n = partsNeeded(message.payload);
    if (n === 0) return decode(message.payload);
    const parts = await this.channel.parts(message.ts, n, PART_EVENT);
    return parts ? decode(message.payload, parts) : null;
  }

  /** True when an earlier publish of the same envelope id exists (several gateways published one Slack event). */
  isDuplicate(message: ChannelMessage): boolean {
    if (message.payload.k !== "p") return false;
    const key = `${String(message.payload.topic)}\u0000${String(message.payload.id)}`;
    const first = this.firstSeen.get(key);
    if (first === undefined) {
      if (this.firstSeen.size >= SEEN_LIMIT) this.firstSeen.delete(this.firstSeen.keys().next().value!);
      this.firstSeen.set(key, message.ts);
      return false;
    }
    return first !== message.ts;
  }
}
