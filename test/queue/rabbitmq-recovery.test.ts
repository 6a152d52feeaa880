import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import amqp from "amqplib";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { RabbitQueue } from "../../src/queue/backends/rabbitmq.js";
import { DeliveryCollector } from "../../src/testing/collector.js";
import { sampleEnvelope, uniqueTopic } from "../../src/testing/envelopes.js";
import { AMQP_URL, requireService } from "../helpers/services.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";
import { until } from "../helpers/wait.js";

const available = await requireService("RabbitMQ", AMQP_URL);
const created: RabbitQueue[] = [];
const collectors: DeliveryCollector[] = [];

async function open(env: Record<string, string> = {}): Promise<RabbitQueue> {
  const q = await RabbitQueue.fromEnv({ AMQP_URL, SLACKLINE_GROUPS: "w", ...env });
  created.push(q);
  return q;
}

function collect(q: RabbitQueue, topic: string, group: string, leaseMs = 5000): DeliveryCollector {
  const c = new DeliveryCollector(q, topic, { group, leaseMs });
  collectors.push(c);
  return c;
}

/** The pid RabbitMQ gives the connection whose client named itself `name`, via rabbitmqctl. */
function connectionPid(name: string): string | null {
  const out = execFileSync("rabbitmqctl", ["list_connections", "pid", "client_properties", "-q"], {
    encoding: "utf8",
  });
  const line = out.split("\n").find((l) => l.includes(`{"connection_name","${name}"}`));
  return line?.split("\t")[0] ?? null;
}

const hasRabbitmqctl = (() => {
  try {
    execFileSync("rabbitmqctl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!available)("rabbitmq: outages, limits, dead letters", () => {
  afterEach(async () => {
    await Promise.all(collectors.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await Promise.all(created.map((q) => q.close()));
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createChannel();
    for (const q of created) {
      for (const name of q.topology.declaredQueues) await ch.deleteQueue(name);
      for (const name of q.topology.declaredExchanges) await ch.deleteExchange(name);
    }
    await conn.close();
  });

  it("through a lost connection: publishes fail fast, confirmed ones survive, unacked ones come back", async () => {
    const target = new URL(AMQP_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5672));
    await proxy.up();
    target.host = `127.0.0.1:${proxy.port}`;
    const q = await open({ AMQP_URL: target.toString() });
    const topic = uniqueTopic("outage");
    const sent = [sampleEnvelope(), sampleEnvelope(), sampleEnvelope()];
    for (const e of sent) await q.publish(topic, e);
    const c = collect(q, topic, "w");
    const held = await c.next(5000);

    await proxy.down();
    await until(() => !q.connected, 5000);
    const started = Date.now();
    await expect(q.publish(topic, sampleEnvelope())).rejects.toThrow(/not connected/);
    expect(Date.now() - started).toBeLessThan(100);
    // Its channel is gone: the ack cannot reach the broker, and says so.
    await expect(held.ack()).rejects.toThrow(/channel closed/);

    await proxy.up();
    await until(() => q.connected, 10_000);
    // The collector may still hold deliveries it pulled before the cut; their acks fail the same way.
    const acked = new Map<string, number>();
    while (acked.size < sent.length) {
      const d = await c.next(10_000);
      try {
        await d.ack();
        acked.set(d.message.id, d.attempt);
      } catch (err) {
        expect(String(err)).toMatch(/channel closed/);
      }
    }
    expect([...acked.keys()].sort()).toEqual(sent.map((e) => e.id).sort());
    expect(acked.get(held.message.id)).toBe(2);
    const after = sampleEnvelope();
    await q.publish(topic, after);
    expect((await c.next(5000)).message.id).toBe(after.id);
    expect(await c.poll(300)).toBeNull();
    await proxy.down();
  }, 30_000);

  it.skipIf(!hasRabbitmqctl)(
    "a connection closed by the broker (rabbitmqctl close_connection) recovers",
    async () => {
      const name = `slackline-test-${randomUUID().slice(0, 8)}`;
      const q = await open({ AMQP_CONNECTION_NAME: name });
      const topic = uniqueTopic("closed");
      const envelope = sampleEnvelope();
      await q.publish(topic, envelope);
      const c = collect(q, topic, "w");
      const first = await c.next(5000);
      const pid = connectionPid(name);
      expect(pid).not.toBeNull();
      execFileSync("rabbitmqctl", ["close_connection", pid!, "slackline recovery test"], { stdio: "ignore" });
      const again = await c.next(15_000);
      expect(again.message.id).toBe(envelope.id);
      expect(again.attempt).toBe(2);
      await again.ack();
      await expect(first.ack()).rejects.toThrow(/channel closed/);
      const next = sampleEnvelope();
      await q.publish(topic, next);
      expect((await c.next(5000)).message.id).toBe(next.id);
    },
    30_000,
  );

  it("a publish no queue is bound for is an error, never a silent success", async () => {
    const q = await open({ SLACKLINE_GROUPS: "" });
    await expect(q.publish(uniqueTopic("nobody"), sampleEnvelope())).rejects.toThrow(/NO_ROUTE/);
  });

  it("past the delivery limit the broker dead-letters into <topic>.dlq, with the group", async () => {
    const q = await open({ AMQP_DELIVERY_LIMIT: "2" });
    const topic = uniqueTopic("limit");
    const envelope = sampleEnvelope();
    await q.publish(topic, envelope);
    const c = collect(q, topic, "w");
    // retry(0) requeues in place: each one counts against x-delivery-limit.
    for (let i = 1; i <= 3; i++) {
      const d = await c.next(5000);
      expect(d.attempt).toBe(i);
      await d.retry(0);
    }
    expect(await c.poll(500)).toBeNull();
    const dead = await q.listDeadLetters(topic);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.message).toEqual(envelope);
    expect(dead[0]?.group).toBe("w");
    expect(dead[0]?.reason).toMatch(/delivery_limit/);
    expect(await q.replayDeadLetters(topic)).toBe(1);
    expect((await c.next(5000)).message.id).toBe(envelope.id);
  });

  it("listing dead letters keeps their order and loses none", async () => {
    const q = await open();
    const topic = uniqueTopic("order");
    const sent = Array.from({ length: 6 }, () => sampleEnvelope());
    for (const e of sent) await q.publish(topic, e);
    const c = collect(q, topic, "w");
    for (const d of await c.take(sent.length, 5000))
      await d.deadLetter(`dead ${d.message.id}\nwith a second line`);
    const first = await q.listDeadLetters(topic);
    const second = await q.listDeadLetters(topic);
    expect(first.map((d) => d.message.id)).toEqual(sent.map((e) => e.id));
    expect(second.map((d) => d.id)).toEqual(first.map((d) => d.id));
    expect(first[0]?.reason).toContain("\nwith a second line");
    expect((await q.listDeadLetters(topic, { limit: 2 })).map((d) => d.id)).toEqual(
      first.slice(0, 2).map((d) => d.id),
    );
    expect(await q.purgeDeadLetters(topic, { ids: [first[2]!.id] })).toBe(1);
    expect((await q.listDeadLetters(topic)).map((d) => d.id)).toEqual(
      first.filter((_, i) => i !== 2).map((d) => d.id),
    );
  });

  it("a delayed retry survives in its own queue and comes back counted", async () => {
    const q = await open();
    const topic = uniqueTopic("delay");
    await q.publish(topic, sampleEnvelope());
    const c = collect(q, topic, "w");
    await (await c.next(5000)).retry(1234);
    // Nobody holds it meanwhile: it waits in the delay queue (rounded up to 1300 ms).
    expect(q.topology.declaredQueues.has(`${topic}.group.w.delay.1300`)).toBe(true);
    const started = Date.now();
    const again = await c.next(5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(again.attempt).toBe(2);
    await again.retry(0);
    expect((await c.next(5000)).attempt).toBe(3);
  });
});
