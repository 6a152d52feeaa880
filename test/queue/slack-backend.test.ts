import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import { slackQueueConfigFromEnv } from "../../src/queue/backends/slack/config.js";
import { SlackQueue } from "../../src/queue/backends/slack.js";
import type { Delivery } from "../../src/queue/types.js";
import { DeliveryCollector, FakeSlack, sampleEnvelope, uniqueTopic } from "../../src/testing/index.js";

const BOTS = [1, 2, 3].map((n) => ({ token: `xoxb-q${n}`, user_id: `UQ${n}`, name: `q${n}` }));

let slack: FakeSlack;
const opened: SlackQueue[] = [];
const collectors: DeliveryCollector[] = [];

beforeEach(async () => {
  slack = await FakeSlack.start({
    bots: BOTS,
    seed: {
      channels: [
        { id: "CQ", name: "queue" },
        { id: "CNOPE", name: "nope", members: ["UQ2"] },
      ],
    },
  });
});
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.stop()));
  await Promise.all(opened.splice(0).map((q) => q.close()));
  await slack.close();
});

function queue(token = "xoxb-q1", env: Record<string, string> = {}): SlackQueue {
  const q = new SlackQueue(
    slackQueueConfigFromEnv({
      SLACKMQ_CHANNEL: "CQ",
      SLACK_BOT_TOKEN: token,
      SLACK_API_URL: slack.apiUrl,
      SLACKMQ_POLL_MS: "50",
      SLACKMQ_POLL_MAX_MS: "200",
      ...env,
    }),
  );
  opened.push(q);
  return q;
}

function collect(q: SlackQueue, topic: string, leaseMs = 2000, max?: number): DeliveryCollector {
  const c = new DeliveryCollector(q, topic, { group: "g", leaseMs, ...(max ? { max } : {}) });
  collectors.push(c);
  return c;
}

describe("slack backend", () => {
  it("large bodies: gzip in the metadata, or split over thread replies; either arrives intact", async () => {
    const q = queue();
    const topic = uniqueTopic();
    const compressible = sampleEnvelope();
    (compressible.body as { event: { text: string } }).event.text = "all work and no play ".repeat(1500);
    const random = sampleEnvelope();
    (random.body as { event: { text: string } }).event.text = randomBytes(24_000).toString("base64");
    const tsGz = await q.publish(topic, compressible);
    const tsParts = await q.publish(topic, random);
    expect((slack.message("CQ", tsGz)!.metadata as { event_payload: { f: string } }).event_payload.f).toBe(
      "gz",
    );
    expect((slack.message("CQ", tsParts)!.metadata as { event_payload: { f: string } }).event_payload.f).toBe(
      "parts",
    );
    expect(slack.replies("CQ", tsParts).length).toBeGreaterThan(3);
    const c = collect(q, topic);
    const got = await c.take(2, 10_000);
    expect(got.map((d) => d.message)).toEqual([compressible, random]);
    for (const d of got) await d.ack();
  });

  it("the same event published by several gateways is delivered once", async () => {
    const topic = uniqueTopic();
    const envelope = sampleEnvelope();
    await Promise.all(BOTS.map((b) => queue(b.token).publish(topic, envelope)));
    const c = collect(queue(), topic);
    const first = await c.next(5000);
    expect(first.message.id).toBe(envelope.id);
    await first.ack();
    expect(await c.poll(1500)).toBeNull();
    expect((await queue().stats(topic, "g")).depth).toBe(0);
  });

  it("instances with their own tokens share the work: each message once, on one of them", async () => {
    const topic = uniqueTopic();
    const sent = Array.from({ length: 30 }, () => sampleEnvelope());
    const consumers = BOTS.map((b) => collect(queue(b.token), topic));
    const publisher = queue();
    for (const e of sent) await publisher.publish(topic, e);
    const got: { id: string; by: number }[] = [];
    await Promise.all(
      consumers.map(async (c, by) => {
        const deadline = Date.now() + 20_000;
        while (got.length < sent.length && Date.now() < deadline) {
          const d = await c.poll(200);
          if (!d) continue;
          got.push({ id: d.message.id, by });
          await d.ack();
        }
      }),
    );
    // Exactly the messages sent, none twice (which instance got which is up to who polled first).
    expect(got.map((g) => g.id).sort()).toEqual(sent.map((e) => e.id).sort());
  }, 30_000);

  it("an instance that dies holding a message: another takes it over after the lease, attempt counted", async () => {
    const topic = uniqueTopic();
    const envelope = sampleEnvelope();
    await queue().publish(topic, envelope);
    const dying = collect(queue("xoxb-q1"), topic, 1500, 1);
    const held: Delivery = await dying.next(5000);
    expect(held.attempt).toBe(1);
    const other = collect(queue("xoxb-q2"), topic, 1500);
    expect(await other.poll(1000)).toBeNull();
    const taken = await other.next(10_000);
    expect(taken.message.id).toBe(envelope.id);
    expect(taken.attempt).toBe(2);
    await taken.ack();
    expect(slack.pins("CQ")).toEqual([]);
  });

  it("publish honours Retry-After; past SLACKMQ_PUBLISH_WAIT_MS it rejects (ingress answers 503)", async () => {
    const topic = uniqueTopic();
    slack.rateLimitNext(1, { method: "chat.postMessage", retryAfter: 1 });
    const started = Date.now();
    await queue().publish(topic, sampleEnvelope());
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    slack.rateLimitNext(1, { method: "chat.postMessage", retryAfter: 5 });
    await expect(
      queue("xoxb-q1", { SLACKMQ_PUBLISH_WAIT_MS: "1000" }).publish(topic, sampleEnvelope()),
    ).rejects.toThrow(/rate limited/);
  });

  it("a channel the bot is not in fails ping with Slack's reason; missing settings are config errors", async () => {
    const q = new SlackQueue(
      slackQueueConfigFromEnv({
        SLACKMQ_CHANNEL: "CNOPE",
        SLACK_BOT_TOKEN: "xoxb-q1",
        SLACK_API_URL: slack.apiUrl,
      }),
    );
    opened.push(q);
    await expect(q.ping()).rejects.toThrow(/not_in_channel/);
    expect(() => slackQueueConfigFromEnv({ SLACK_BOT_TOKEN: "x" })).toThrow(ConfigError);
    expect(() => slackQueueConfigFromEnv({ SLACKMQ_CHANNEL: "C1" })).toThrow(/SLACK_BOT_TOKEN/);
  });

  it("a consumer rides out Slack failures (an error, a long 429) and keeps delivering", async () => {
    const topic = uniqueTopic();
    const q = queue("xoxb-q1", { SLACKLINE_LOCK_MAX_RATE_LIMIT_WAIT_SECONDS: "0.5" });
    const c = collect(q, topic);
    await new Promise((r) => setTimeout(r, 200));
    slack.failNext("conversations.history", "fatal_error", 2);
    slack.rateLimitNext(2, { method: "conversations.history", retryAfter: 5 });
    const envelope = sampleEnvelope();
    await queue("xoxb-q2").publish(topic, envelope);
    const d = await c.next(15_000);
    expect(d.message.id).toBe(envelope.id);
    await d.ack();
    expect(c.error).toBeNull();
  }, 30_000);

  it("a second consumer group on one topic is refused with the reason", () => {
    const q = queue();
    const topic = uniqueTopic();
    q.consume(topic, { group: "a" });
    expect(() => q.consume(topic, { group: "b" })).toThrow(/one consumer group per topic/);
  });

  it("throughput against the fake (printed): publish, then consume with three instances", async () => {
    const topic = uniqueTopic();
    const n = 200;
    const publisher = queue();
    let started = Date.now();
    for (let i = 0; i < n; i++) await publisher.publish(topic, sampleEnvelope());
    const publishRate = n / ((Date.now() - started) / 1000);
    started = Date.now();
    const consumers = BOTS.map((b) => collect(queue(b.token), topic));
    let acked = 0;
    await Promise.all(
      consumers.map(async (c) => {
        while (acked < n && Date.now() - started < 60_000) {
          const d = await c.poll(200);
          if (!d) continue;
          await d.ack();
          acked++;
        }
      }),
    );
    const consumeRate = n / ((Date.now() - started) / 1000);
    const calls = slack.calls.length;
    console.log(
      `slack backend vs fake: publish ${publishRate.toFixed(0)} msg/s; consume+ack (3 instances) ${consumeRate.toFixed(0)} msg/s; ${(calls / n).toFixed(1)} Web API calls per message`,
    );
    expect(acked).toBe(n);
  }, 90_000);
});
