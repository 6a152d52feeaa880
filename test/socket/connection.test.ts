import { type AddressInfo, createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Envelope } from "../../src/envelope/envelope.js";
import { hasCode } from "../../src/errors.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { SocketModeIngress } from "../../src/socket/ingress.js";
import { RecordingQueue } from "../helpers/recording-queue.js";
import { sleep, until } from "../helpers/wait.js";
import { eventCallback, FAST, type Harness, metricValue, socketCore, startHarness } from "./harness.js";

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

class SlowQueue extends RecordingQueue {
  delayMs = 0;
  override async publish(topic: string, message: Envelope): Promise<string> {
    await sleep(this.delayMs);
    return super.publish(topic, message);
  }
}

const reconnects = (h: Harness, reason: string) =>
  metricValue(h.metrics, "slackline_socket_reconnects_total", { reason });

describe("Socket Mode ingress: connection life", () => {
  let h: Harness<RecordingQueue> | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  for (const reason of ["refresh_requested", "link_disabled", "warning"]) {
    it(`reconnects after Slack's disconnect (${reason}) and takes envelopes on the new connection`, async () => {
      h = await startHarness();
      expect(h.stand.disconnect(reason)).toBe(1);
      await h.stand.waitForConnections(1, { opened: 2 });
      await until(() => h!.socket.openConnections === 1);
      const ack = await h.stand.event(eventCallback()).acked;
      expect(ack.connection).toBe(2);
      expect(await reconnects(h, reason)).toBe(1);
      expect(h.slack.callsTo("apps.connections.open")).toHaveLength(2);
    });
  }

  it("reconnects after the server drops the socket without a close frame", async () => {
    h = await startHarness();
    h.stand.drop();
    await h.stand.waitForConnections(1, { opened: 2 });
    await h.stand.event(eventCallback()).acked;
    expect(await reconnects(h, "connection_lost")).toBe(1);
  });

  it("a server that drops every new socket at once gets backoff, not a tight reconnect loop", async () => {
    h = await startHarness();
    const deadline = Date.now() + 1500;
    while (Date.now() < deadline) {
      if (h.stand.connections().length > 0) h.stand.drop();
      await sleep(10);
    }
    // Backoff of 50, 100, 200, 400, 400 ms (with jitter) allows about 7 in 1.5 s; no backoff, hundreds.
    expect(h.stand.connectionsOpened).toBeGreaterThanOrEqual(3);
    expect(h.stand.connectionsOpened).toBeLessThanOrEqual(12);
  });

  it("a connection lost after it was stable is reopened at once", async () => {
    h = await startHarness({ timings: { stableAfterMs: 100, backoff: { baseMs: 5000, capMs: 5000 } } });
    await sleep(150);
    const dropped = Date.now();
    h.stand.drop();
    await h.stand.waitForConnections(1, { opened: 2, timeoutMs: 2000 });
    expect(Date.now() - dropped).toBeLessThan(1000);
  });

  it("a dead socket (pings unanswered) is given up on and replaced", async () => {
    h = await startHarness();
    h.stand.freeze();
    await h.stand.waitForConnections(1, { opened: 2, timeoutMs: 8000 });
    await h.stand.event(eventCallback()).acked;
    expect(await reconnects(h, "connection_lost")).toBe(1);
  });

  it("/readyz's check: ready while a connection is open; failing opens are retried with backoff", async () => {
    h = await startHarness({ start: false });
    await expect(h.socket.readiness.check()).rejects.toThrow(/no connection open \(connecting\)/);
    await expect(h.socket.readiness.check()).rejects.toMatchObject({ code: "SLACKLINE_SOCKET_CLOSED" });
    h.slack.failNext("apps.connections.open", "internal_error", 3);
    await h.socket.start();
    await until(() => h!.socket.openConnections === 1, 5000);
    await h.socket.readiness.check();
    expect(h.slack.callsTo("apps.connections.open").map((c) => c.ok)).toEqual([false, false, false, true]);
    expect(await metricValue(h.metrics, "slackline_socket_connected")).toBe(1);
    h.stand.drop();
    await until(() => h!.socket.openConnections === 0, 2000).catch(() => {});
    await h.stand.waitForConnections(1, { opened: 2 });
    await until(() => h!.socket.openConnections === 1);
    await h.socket.readiness.check();
  });

  it("Slack's API unreachable at start: start resolves, retrying, and readiness says why", async () => {
    const metrics = new Metrics();
    const queue = new RecordingQueue();
    const socket = new SocketModeIngress({
      core: socketCore(queue, metrics),
      appToken: "xapp-1-unreachable",
      apiUrl: `http://127.0.0.1:${await closedPort()}/api/`,
      metrics,
      logger: silentLogger,
      timings: FAST,
    });
    try {
      await socket.start();
      await expect(socket.readiness.check()).rejects.toThrow(/no connection open \(reconnecting\)/);
    } finally {
      await socket.stop(100);
      await queue.close();
    }
  });

  for (const [what, token, code] of [
    ["an unknown app token", "xapp-1-not-a-real-token", "invalid_auth"],
    ["a bot token", "xoxb-fake-token", "not_allowed_token_type"],
  ] as const) {
    it(`${what} is a start-up ConfigError naming SLACK_APP_TOKEN, tried once (${code})`, async () => {
      h = await startHarness({ start: false });
      const socket = new SocketModeIngress({
        core: h.core,
        appToken: token,
        apiUrl: h.slack.apiUrl,
        connections: 2,
        metrics: h.metrics,
        logger: silentLogger,
        timings: FAST,
      });
      const err = await socket.start().then(
        () => null,
        (e: Error) => e,
      );
      expect(hasCode(err, "SLACKLINE_CONFIG")).toBe(true);
      expect(err?.message).toMatch(new RegExp(`^SLACK_APP_TOKEN was refused .*\\(${code}\\)`));
      await sleep(200);
      // One call per connection, no retry loop.
      expect(h.slack.callsTo("apps.connections.open")).toHaveLength(2);
      expect(h.stand.connectionsOpened).toBe(0);
    });
  }

  it("a token revoked while running is retried (logged as an error), and works again once valid", async () => {
    h = await startHarness();
    const registered = h.slack.workspace.appTokens.get(h.stand.appToken)!;
    h.slack.workspace.appTokens.delete(h.stand.appToken);
    h.stand.drop();
    await until(() => h!.slack.callsTo("apps.connections.open").filter((c) => !c.ok).length >= 2, 5000);
    expect(h.socket.openConnections).toBe(0);
    h.slack.workspace.appTokens.set(h.stand.appToken, registered);
    await h.stand.waitForConnections(1, { opened: 2 });
    await h.stand.event(eventCallback()).acked;
  });

  it("graceful stop: takes no new envelope, acks the one whose publish was in flight, then closes", async () => {
    const queue = new SlowQueue();
    h = await startHarness({ queue });
    queue.delayMs = 400;
    const inFlight = h.stand.event(eventCallback());
    await until(() => inFlight.attempts.length === 1);
    await sleep(50);
    const stopping = h.socket.stop(5000);
    const late = h.stand.event(eventCallback(), { redeliver: false });
    await stopping;
    expect(inFlight.ack).toBeDefined();
    expect(late.ack).toBeUndefined();
    expect(queue.published.map((e) => e.id)).toEqual([inFlight.payload.event_id]);
    expect(await metricValue(h.metrics, "slackline_socket_envelopes_total", { outcome: "not_taken" })).toBe(
      1,
    );
    await until(() => h!.stand.connections().length === 0);
  });
});
