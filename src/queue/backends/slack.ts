import { LogLevel, WebClient } from "@slack/web-api";
import { ConfigError } from "../../config/config-error.js";
import type { Env } from "../../config/env.js";
import type { Envelope } from "../../envelope/envelope.js";
import { createLogger, type Logger } from "../../observability/logger.js";
import { SlackLock } from "../../slack/lock.js";
import { LockApi } from "../../slack/lock-api.js";
import {
  type ConsumeOptions,
  type DeadLetter,
  type Delivery,
  type QueueBackend,
  type QueueBackendFactory,
  QueueClosedError,
  type QueueStats,
} from "../types.js";
import { slackInfo } from "./slack/about.js";
import { msOf, SlackChannel, tsOf } from "./slack/channel.js";
import { ENVELOPE_EVENT } from "./slack/codec.js";
import { type SlackQueueConfig, slackQueueConfigFromEnv } from "./slack/config.js";
import { consumeChannel } from "./slack/consumer.js";
import { SlackQueueCore } from "./slack/core.js";
import { listDeadLetters, purgeDeadLetters, replayDeadLetters } from "./slack/dead-letters.js";

/**
 * A Slack channel as the queue, Slack as the lock (SlackMQ's idea): publish posts the envelope as a
 * message with metadata; consumers read the channel, claim a message with a pin (or a reaction) and
 * ack with the done marker. Zero infrastructure and highly available, but low volume: every message
 * costs a handful of rate-limited Web API calls (docs/slack-backend.md).
 */
export class SlackQueue implements QueueBackend {
  readonly name = "slack";
  readonly durable = true;
  private readonly core: SlackQueueCore;
  private readonly closing = new AbortController();
  /** One consumer group per topic: the done marker is per message, not per group. */
  private readonly groups = new Map<string, string>();

  constructor(config: SlackQueueConfig, options: { client?: WebClient; logger?: Logger } = {}) {
    const { client, logger } = options;
    const web =
      client ??
      new WebClient(config.token, {
        ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}),
        // We honour Retry-After ourselves, within a budget per call, instead of queueing behind it.
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 0 },
        logLevel: LogLevel.ERROR,
        timeout: 30_000,
      });
    const api = new LockApi(web, { maxRateLimitWaitMs: config.lock.maxRateLimitWaitMs });
    const lock = new SlackLock({ ...config.lock, client: web, ...(logger ? { logger } : {}) });
    this.core = new SlackQueueCore(config, new SlackChannel(api, config.channel), lock, logger);
  }

  /** Logs to stderr (stdout may be a protocol, as for `slackline mcp`). */
  static fromEnv(env: Env): SlackQueue {
    const logger = createLogger({
      destination: "stderr",
      level: env.LOG_LEVEL?.trim() || "info",
      name: "slackline",
    });
    return new SlackQueue(slackQueueConfigFromEnv(env), { logger });
  }

  async publish(topic: string, message: Envelope): Promise<string> {
    if (this.closing.signal.aborted) throw new QueueClosedError(this.name);
    return this.core.postEnvelope(
      { topic, id: message.id, k: "p", attempt: 1, visible_at: 0 },
      message,
      this.core.config.publishWaitMs,
    );
  }

  consume(topic: string, options: ConsumeOptions): AsyncIterable<Delivery> {
    const group = this.groups.get(topic);
    if (group !== undefined && group !== options.group) {
      throw new ConfigError(
        `the slack backend has one consumer group per topic (the done marker is per message): "${group}" already consumes "${topic}", so "${options.group}" cannot; use another SLACKMQ_CHANNEL for another group`,
      );
    }
    this.groups.set(topic, options.group);
    if (this.closing.signal.aborted) return (async function* () {})();
    return consumeChannel(this.core, topic, options, this.closing.signal);
  }

  listDeadLetters(topic: string, options: { limit?: number; after?: string } = {}): Promise<DeadLetter[]> {
    return listDeadLetters(this.core, topic, options.limit ?? 100, options.after);
  }

  replayDeadLetters(topic: string, options: { ids?: string[] } = {}): Promise<number> {
    return replayDeadLetters(this.core, topic, options.ids);
  }

  purgeDeadLetters(topic: string, options: { ids?: string[] } = {}): Promise<number> {
    return purgeDeadLetters(this.core, topic, options.ids);
  }

  async ping(): Promise<void> {
    if (this.closing.signal.aborted) throw new QueueClosedError(this.name);
    await this.core.channel.probe();
  }

  /** Counts the topic's messages in the channel that carry no done marker (one group, see consume). */
  async stats(topic: string, _group: string): Promise<QueueStats> {
    let depth = 0;
    let oldest: number | null = null;
    for (const m of await this.core.channel.read(tsOf(Date.now() - this.core.config.lookbackMs))) {
      if (m.eventType !== ENVELOPE_EVENT || m.payload.topic !== topic) continue;
      if (await this.core.lock.isDoneIn(m.reactions)) continue;
      depth += 1;
      oldest ??= msOf(m.ts);
    }
    return { depth, oldestAgeMs: oldest === null ? null : Date.now() - oldest };
  }

  async close(): Promise<void> {
    this.closing.abort();
  }
}

export const slackBackend: QueueBackendFactory = {
  ...slackInfo,
  fromEnv: (env) => SlackQueue.fromEnv(env),
};
