import { describe, expect, it } from "vitest";
import { DeadLetterIndex, readAllDeadLetters } from "../../src/dashboard/dead-letters.js";
import type { Envelope } from "../../src/envelope/envelope.js";
import { MemoryQueue } from "../../src/queue/backends/memory.js";
import { SqliteQueue } from "../../src/queue/backends/sqlite.js";
import type { QueueBackend } from "../../src/queue/types.js";
import { sampleEnvelope, uniqueTopic } from "../../src/testing/envelopes.js";
import { tempDir } from "../helpers/cli.js";

const reaction = (): Envelope => {
  const e = sampleEnvelope();
  (e.body as { event: Record<string, unknown> }).event = { type: "reaction_added", reaction: "eyes" };
  return e;
};

/** Publishes `envelopes` and dead-letters each in `group` with `reasonOf(envelope)`. */
async function deadLetter(
  q: QueueBackend,
  topic: string,
  group: string,
  envelopes: Envelope[],
  reasonOf: (e: Envelope) => string,
): Promise<void> {
  for (const e of envelopes) await q.publish(topic, e);
  const controller = new AbortController();
  let left = envelopes.length;
  for await (const d of q.consume(topic, { group, signal: controller.signal, prefetch: 1000 })) {
    await d.deadLetter(reasonOf(d.message));
    if (--left === 0) controller.abort();
  }
}

describe("DeadLetterIndex", () => {
  it("filters and pages 10,000 dead letters on the server, newest first, each exactly once", async () => {
    const q = new MemoryQueue();
    const topic = uniqueTopic("dash");
    const mentions = Array.from({ length: 6000 }, () => sampleEnvelope());
    const reactions = Array.from({ length: 4000 }, reaction);
    await deadLetter(q, topic, "default", mentions, (e) => `app_mention#0: Error: upstream 502 for ${e.id}`);
    await new Promise((r) => setTimeout(r, 5));
    const since = Date.now();
    await new Promise((r) => setTimeout(r, 5));
    await deadLetter(
      q,
      topic,
      "analytics",
      reactions,
      () => "reaction_added#0: TimeoutError: handler timed out",
    );

    const index = new DeadLetterIndex(q, topic);
    const first = await index.page({}, 0, 50);
    expect(first.total).toBe(10_000);
    expect(first.matching).toBe(10_000);
    expect(first.truncated).toBe(false);
    expect(first.items).toHaveLength(50);
    // Newest first: the reactions died last.
    expect(first.items.every((r) => r.type === "reaction_added")).toBe(true);
    const times = first.items.map((r) => r.deadAt);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(first.types).toEqual([
      { name: "app_mention", count: 6000 },
      { name: "reaction_added", count: 4000 },
    ]);
    expect(first.groups.map((g) => g.name).sort()).toEqual(["analytics", "default"]);

    // Every page of a filter, walked to the end: each matching dead letter once.
    const seen = new Set<string>();
    for (let offset = 0; ; offset += 200) {
      const page = await index.page({ type: "app_mention" }, offset, 200);
      expect(page.matching).toBe(6000);
      for (const row of page.items) seen.add(row.id);
      if (page.items.length < 200) break;
    }
    expect(seen.size).toBe(6000);

    expect((await index.page({ group: "analytics" }, 0, 1)).matching).toBe(4000);
    expect((await index.page({ text: "TIMEOUTERROR" }, 0, 1)).matching).toBe(4000);
    expect((await index.page({ text: mentions[17]!.id }, 0, 10)).items.map((r) => r.eventId)).toEqual([
      mentions[17]!.id,
    ]);
    expect((await index.page({ since }, 0, 1)).matching).toBe(4000);
    expect((await index.page({ until: since }, 0, 1)).matching).toBe(6000);
    expect((await index.page({ type: "app_mention", since }, 0, 1)).matching).toBe(0);

    // "Replay everything that failed with this error since then": by the filter, on a fresh read.
    const replayed = await index.replay({ filter: { text: "timed out", since } });
    expect(replayed).toEqual({ count: 4000, requested: 4000 });
    const after = await index.page({}, 0, 1);
    expect(after.total).toBe(6000);
    expect(after.types).toEqual([{ name: "app_mention", count: 6000 }]);
    // Back to the group each died in, only: "default" still holds the 4000 it never consumed, no more.
    expect((await q.stats(topic, "analytics")).depth).toBe(4000);
    expect((await q.stats(topic, "default")).depth).toBe(4000);

    const purged = await index.purge({
      ids: [first.items[0]!.id, (await index.page({}, 0, 1)).items[0]!.id],
    });
    expect(purged.count).toBe(1); // the first id was replayed already
    expect((await index.page({}, 0, 1)).total).toBe(5999);
    await q.close();
  }, 60_000);

  it("shows a dead letter's envelope redacted, and finds dead letters by event id", async () => {
    const dir = tempDir();
    const q = new SqliteQueue({ path: `${dir}/queue.db` });
    const topic = uniqueTopic("dash");
    const e = sampleEnvelope();
    (e.body as Record<string, unknown>).token = "legacy-token";
    await deadLetter(q, topic, "default", [e], () => "app_mention#0: Error: boom");
    const index = new DeadLetterIndex(q, topic);
    const [row] = await index.byEventId(e.id);
    expect(row).toMatchObject({
      eventId: e.id,
      type: "app_mention",
      group: "default",
      reason: "app_mention#0: Error: boom",
    });
    const detail = await index.detail(row!.id);
    expect(JSON.stringify(detail!.envelope)).not.toContain("legacy-token");
    expect(await index.detail("999999")).toBeNull();
    await q.close();
  });

  it("reads a backend that ignores the cursor in one pass, and says when the DLQ holds more than it reads", async () => {
    const q = new MemoryQueue();
    const topic = uniqueTopic("dash");
    await deadLetter(
      q,
      topic,
      "default",
      Array.from({ length: 25 }, () => sampleEnvelope()),
      () => "x",
    );
    // As a plugin written before the cursor existed: `after` is dropped.
    const noCursor: QueueBackend = Object.assign(Object.create(q) as QueueBackend, {
      listDeadLetters: (t: string, o: { limit?: number } = {}) => q.listDeadLetters(t, { limit: o.limit }),
    });
    const read = await readAllDeadLetters(noCursor, topic, 10, 1000);
    expect(read.letters).toHaveLength(25);
    expect(new Set(read.letters.map((d) => d.id)).size).toBe(25);
    expect(read.truncated).toBe(false);

    const capped = await readAllDeadLetters(q, topic, 10, 20);
    expect(capped).toMatchObject({ truncated: true });
    expect(capped.letters).toHaveLength(20);
    const exact = await readAllDeadLetters(q, topic, 5, 25);
    expect(exact).toMatchObject({ truncated: false });
    expect(exact.letters).toHaveLength(25);
    await q.close();
  });
});
