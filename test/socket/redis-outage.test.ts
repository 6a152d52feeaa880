import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IngressCore } from "../../src/ingress/core.js";
import { IngressPublisher } from "../../src/ingress/publisher.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { RedisQueue } from "../../src/queue/backends/redis.js";
import { SocketModeIngress } from "../../src/socket/ingress.js";
import { DeliveryCollector } from "../../src/testing/collector.js";
import { uniqueTopic } from "../../src/testing/envelopes.js";
import { FakeSlack } from "../../src/testing/fake-slack.js";
import { SocketModeServer } from "../../src/testing/socket-mode/index.js";
import { until } from "../helpers/wait.js";
import { PrivateRedis, redisServerBinary } from "../queue/redis-server.js";
import { eventCallback, FAST, metricValue } from "./harness.js";

/** The backend goes away under a Socket Mode ingress: a redis-server of the test's own, never the shared one. */
const available = redisServerBinary();

describe.skipIf(!available)("Socket Mode ingress while Redis is down", () => {
  const server = new PrivateRedis({ persistent: true });
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "slackline-socket-redis-"));
    await server.start();
  });
  afterAll(async () => {
    await server.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("sends no ack while the publish fails; Slack's redelivery after Redis returns is queued once", async () => {
    const keyPrefix = `slackline-test:socket:${randomUUID().slice(0, 8)}:`;
    const topic = uniqueTopic("socket");
    const queue = await RedisQueue.open({ url: server.url, keyPrefix, dataDir, commandTimeoutMs: 300 });
    const metrics = new Metrics();
    const slack = await FakeSlack.start();
    const stand = await SocketModeServer.start({
      slack,
      ackTimeoutMs: 600,
      maxRetries: 20,
      pingIntervalMs: null,
    });
    const socket = new SocketModeIngress({
      core: new IngressCore({
        publisher: new IngressPublisher(queue, topic, 3600, null),
        signingSecrets: [],
        signed: false,
        metrics,
        logger: silentLogger,
      }),
      appToken: stand.appToken,
      apiUrl: slack.apiUrl,
      metrics,
      logger: silentLogger,
      timings: FAST,
    });
    const collector = new DeliveryCollector(queue, topic, { group: "g", leaseMs: 10_000 });
    try {
      await socket.start();
      const before = eventCallback();
      await stand.event(before).acked;

      await server.kill();
      const during = eventCallback();
      const delivery = stand.event(during);
      await until(() => delivery.attempts.length >= 3, 8000);
      expect(delivery.ack).toBeUndefined();
      const unacked = await metricValue(metrics, "slackline_socket_envelopes_total", {
        type: "events_api",
        outcome: "unavailable",
      });
      expect(unacked).toBeGreaterThanOrEqual(2);

      await server.start();
      const ack = await delivery.acked;
      const acked = delivery.attempts.find((a) => a.envelope_id === ack.envelope_id)!;
      expect(acked.retry_attempt).toBeGreaterThanOrEqual(2);

      const seen = new Map<string, { retry_num: number; retry_reason: string | null }>();
      for (let i = 0; i < 2; i++) {
        const d = await collector.next(8000);
        seen.set(d.message.id, d.message);
        await d.ack();
      }
      expect([...seen.keys()].sort()).toEqual([before.event_id, during.event_id].sort());
      // The envelope queued is the redelivery that got through, and says so.
      expect(seen.get(during.event_id as string)).toMatchObject({
        retry_num: acked.retry_attempt,
        retry_reason: "timeout",
      });
      expect(await collector.poll(300)).toBeNull();
    } finally {
      await collector.stop();
      await socket.stop(1000);
      await stand.close();
      await slack.close();
      await queue.close();
    }
  });
});
