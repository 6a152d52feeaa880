import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Envelope } from "../../src/envelope/envelope.js";
import { EventInbox } from "../../src/mcp/inbox/inbox.js";
import { silentLogger } from "../../src/observability/logger.js";
import { MemoryQueue } from "../../src/queue/backends/memory.js";
import { DeliveryCollector, sampleEnvelope } from "../../src/testing/index.js";
import { until } from "../helpers/wait.js";

const TOPIC = "slack_events";

function mention(text: string, type = "app_mention"): Envelope {
  const base = sampleEnvelope();
  return { ...base, body: { ...(base.body as object), event: { type, text, channel: "C1", ts: "1.1" } } };
}

let backend: MemoryQueue;
let inbox: EventInbox | null;

beforeEach(() => {
  backend = new MemoryQueue();
  inbox = null;
});

afterEach(async () => {
  await inbox?.close();
  await backend.close();
});

describe("EventInbox", () => {
  it("holds at most `capacity` events; the rest wait in the queue until some are taken", async () => {
    inbox = new EventInbox(backend, { topic: TOPIC, group: "mcp", capacity: 2, logger: silentLogger });
    inbox.start();
    const events = [mention("a"), mention("b", "reaction_added"), mention("c")];
    for (const e of events) await backend.publish(TOPIC, e);
    await until(() => inbox!.size === 2, 2000);
    expect(inbox.full).toBe(true);
    // "c" is not leased yet: only "a" matches while the inbox is full.
    const first = await inbox.wait({ types: ["app_mention"] }, { max: 10, timeoutMs: 100 });
    expect(first.map((e) => e.event)).toMatchObject([{ text: "a" }]);
    // Taking "a" made room: "c" is leased next.
    const rest = await inbox.wait({ types: ["app_mention"] }, { max: 10, timeoutMs: 2000 });
    expect(rest.map((e) => (e.event as { text: string }).text)).toEqual(["c"]);
    const reaction = await inbox.wait({}, { max: 10, timeoutMs: 100 });
    expect(reaction.map((e) => e.type)).toEqual(["reaction_added"]);
    expect((await backend.stats(TOPIC, "mcp")).depth).toBe(0);
  });

  it("keeps the leases of held events alive", async () => {
    inbox = new EventInbox(backend, { topic: TOPIC, group: "mcp", leaseMs: 1500, logger: silentLogger });
    inbox.start();
    const held = mention("held");
    await backend.publish(TOPIC, held);
    await until(() => inbox!.size === 1, 2000);
    // Another consumer of the same group must not get it, well past the lease.
    const rival = new DeliveryCollector(backend, TOPIC, { group: "mcp", leaseMs: 1500 });
    try {
      expect(await rival.poll(3500)).toBeNull();
    } finally {
      await rival.stop();
    }
    const got = await inbox.wait({}, { max: 1, timeoutMs: 100 });
    expect(got.map((e) => e.id)).toEqual([held.id]);
  });

  it("does not return an event twice when it is redelivered", async () => {
    inbox = new EventInbox(backend, { topic: TOPIC, group: "mcp", logger: silentLogger });
    inbox.start();
    const once = mention("once");
    await backend.publish(TOPIC, once);
    expect((await inbox.wait({}, { max: 1, timeoutMs: 2000 })).map((e) => e.id)).toEqual([once.id]);
    // The same event id published again (a replay, a lost ack) is recognised.
    await backend.publish(TOPIC, once);
    expect(await inbox.wait({}, { max: 1, timeoutMs: 300 })).toEqual([]);
    expect((await backend.stats(TOPIC, "mcp")).depth).toBe(0);
  });

  it("dead-letters what is not an envelope, and a closed inbox returns nothing", async () => {
    inbox = new EventInbox(backend, { topic: TOPIC, group: "mcp", logger: silentLogger });
    inbox.start();
    await backend.publish(TOPIC, { not: "an envelope" } as unknown as Envelope);
    await new Promise((r) => setTimeout(r, 100));
    const dead = await backend.listDeadLetters(TOPIC);
    expect(dead.map((d) => d.reason)).toEqual(["mcp inbox: not a Slackline envelope"]);
    const waiting = inbox.wait({}, { max: 1, timeoutMs: 5000 });
    await inbox.close();
    expect(await waiting).toEqual([]);
  });
});
