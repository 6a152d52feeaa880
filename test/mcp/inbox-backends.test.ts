import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Envelope } from "../../src/envelope/envelope.js";
import { EventInbox } from "../../src/mcp/inbox/inbox.js";
import { silentLogger } from "../../src/observability/logger.js";
import { RedisQueue } from "../../src/queue/backends/redis.js";
import { SqliteQueue } from "../../src/queue/backends/sqlite.js";
import type { QueueBackend } from "../../src/queue/types.js";
import { sampleEnvelope, uniqueTopic } from "../../src/testing/index.js";
import { dropRedisKeys, runPrefix } from "../helpers/broker-cleanup.js";
import { tempDir } from "../helpers/cli.js";
import { REDIS_URL, requireService } from "../helpers/services.js";

const redisUp = await requireService("Redis", REDIS_URL);

function mention(text: string, extra: Record<string, unknown> = {}): Envelope {
  const base = sampleEnvelope();
  const event = { type: "app_mention", text, channel: "C1", ts: "1.1", ...extra };
  return { ...base, body: { ...(base.body as object), event } };
}

interface Backend {
  name: string;
  skip: boolean;
  open(): Promise<{ backend: QueueBackend; cleanup(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: "sqlite",
    skip: false,
    open: async () => ({
      backend: new SqliteQueue({ path: join(tempDir(), "queue.db") }),
      cleanup: async () => {},
    }),
  },
  {
    name: "redis",
    skip: !redisUp,
    open: async () => {
      const keyPrefix = runPrefix("mcp-inbox");
      const backend = await RedisQueue.open({ url: REDIS_URL, keyPrefix });
      return { backend, cleanup: () => dropRedisKeys(REDIS_URL, keyPrefix) };
    },
  },
];

for (const kind of BACKENDS) {
  describe.skipIf(kind.skip)(`EventInbox on ${kind.name}: the agent acknowledges`, () => {
    const opened: { backend: QueueBackend; cleanup(): Promise<void> }[] = [];
    const inboxes: EventInbox[] = [];
    const topic = uniqueTopic();

    const start = async (options: { ackLeaseMs?: number; includeOwn?: boolean } = {}) => {
      const b = opened[0] ?? (await kind.open());
      if (!opened[0]) opened.push(b);
      const inbox = new EventInbox(b.backend, { topic, group: "mcp", logger: silentLogger, ...options });
      inbox.start();
      inboxes.push(inbox);
      return { inbox, backend: b.backend };
    };

    afterEach(async () => {
      for (const i of inboxes.splice(0)) await i.close();
      for (const b of opened.splice(0)) {
        await b.backend.close();
        await b.cleanup();
      }
    });

    it("an unacked event comes back after its ack lease; an acked one is gone from the group", async () => {
      const { inbox, backend } = await start({ ackLeaseMs: 500 });
      const event = mention("deploy?");
      await backend.publish(topic, event);
      const [lent] = await inbox.wait({}, { max: 1, timeoutMs: 5000, ack: false });
      expect(lent).toMatchObject({ id: event.id, attempt: 1 });
      expect(lent!.receipt).toBeTruthy();
      expect(inbox.get(event.id)?.state).toBe("pending_ack");
      // No ack: after the lease the backend hands it back and the inbox leases it again.
      const [back] = await inbox.wait({}, { max: 1, timeoutMs: 10_000, ack: false });
      expect(back).toMatchObject({ id: event.id, attempt: 2 });
      expect(await inbox.ack([lent!.receipt!])).toEqual({ acked: [], unknown: [lent!.receipt] });
      expect(await inbox.ack([back!.receipt!])).toEqual({ acked: [event.id], unknown: [] });
      expect(inbox.get(event.id)?.state).toBe("acked");
      expect((await backend.stats(topic, "mcp")).depth).toBe(0);
    });

    it("a server that stops while an event awaits its ack hands it back to the group", async () => {
      const first = await start();
      const event = mention("still mine?");
      await first.backend.publish(topic, event);
      const [lent] = await first.inbox.wait({}, { max: 1, timeoutMs: 5000, ack: false });
      expect(lent?.id).toBe(event.id);
      await first.inbox.close();
      const second = await start();
      const got = await second.inbox.wait({}, { max: 1, timeoutMs: 10_000 });
      expect(got.map((e) => e.id)).toEqual([event.id]);
      expect((await second.backend.stats(topic, "mcp")).depth).toBe(0);
    });

    it("skips (and acks) the agent's own messages unless told to include them", async () => {
      const { inbox, backend } = await start();
      const own = mention("from the agent", { metadata: { event_type: "slackline_mcp", event_payload: {} } });
      const person = mention("from a person");
      await backend.publish(topic, own);
      await backend.publish(topic, person);
      const got = await inbox.wait({}, { max: 10, timeoutMs: 5000 });
      expect(got.map((e) => e.id)).toEqual([person.id]);
      expect((await backend.stats(topic, "mcp")).depth).toBe(0);
      await inbox.close();
      const keeping = await start({ includeOwn: true });
      const again = mention("agent again", { metadata: { event_type: "slackline_mcp", event_payload: {} } });
      await backend.publish(topic, again);
      const kept = await keeping.inbox.wait({}, { max: 1, timeoutMs: 5000 });
      expect(kept.map((e) => e.id)).toEqual([again.id]);
    });
  });
}
