import { MemoryDedupStore } from "../../src/dedup/memory.js";
import { ResponderRunner } from "../../src/handlers/responder-runner.js";
import type { Router } from "../../src/handlers/router.js";
import { IngressCore } from "../../src/ingress/core.js";
import { IngressPublisher } from "../../src/ingress/publisher.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import type { QueueBackend } from "../../src/queue/types.js";
import type { ConnectionTimings } from "../../src/socket/connection.js";
import { SocketModeIngress } from "../../src/socket/ingress.js";
import { FakeSlack } from "../../src/testing/fake-slack.js";
import { SocketModeServer, type SocketModeServerOptions } from "../../src/testing/socket-mode/index.js";
import { RecordingQueue } from "../helpers/recording-queue.js";

export const TOPIC = "slack_events";

/** Short enough that a dead socket or a failed connect is noticed within a test's patience. */
export const FAST: ConnectionTimings = {
  clientPingTimeoutMs: 600,
  serverPingTimeoutMs: 5000,
  helloTimeoutMs: 3000,
  backoff: { baseMs: 50, capMs: 400 },
  stableAfterMs: 10_000,
};

export interface Harness<Q extends QueueBackend = RecordingQueue> {
  slack: FakeSlack;
  stand: SocketModeServer;
  queue: Q;
  metrics: Metrics;
  core: IngressCore;
  socket: SocketModeIngress;
  close(): Promise<void>;
}

/** The ingress core as Socket Mode alone has it: no signing secret, a memory dedup store. */
export function socketCore(queue: QueueBackend, metrics: Metrics, router?: Router): IngressCore {
  const inline = router
    ? new ResponderRunner({ router, client: undefined, logger: silentLogger, metrics })
    : undefined;
  return new IngressCore({
    publisher: new IngressPublisher(queue, TOPIC, 3600, new MemoryDedupStore()),
    signingSecrets: [],
    signed: false,
    metrics,
    logger: silentLogger,
    ...(inline ? { inline } : {}),
  });
}

/** A fake Slack with the Socket Mode stand-in, and the real adapter over a real core and queue. */
export async function startHarness<Q extends QueueBackend = RecordingQueue>(
  options: {
    connections?: number;
    router?: Router;
    queue?: Q;
    stand?: Partial<Omit<SocketModeServerOptions, "slack">>;
    timings?: Partial<ConnectionTimings>;
    start?: boolean;
  } = {},
): Promise<Harness<Q>> {
  const slack = await FakeSlack.start();
  const stand = await SocketModeServer.start({ slack, pingIntervalMs: null, ...options.stand });
  const queue = (options.queue ?? new RecordingQueue()) as Q;
  const metrics = new Metrics();
  const core = socketCore(queue, metrics, options.router);
  const socket = new SocketModeIngress({
    core,
    appToken: stand.appToken,
    apiUrl: slack.apiUrl,
    connections: options.connections ?? 1,
    metrics,
    logger: silentLogger,
    timings: { ...FAST, ...options.timings },
  });
  if (options.start !== false) await socket.start();
  return {
    slack,
    stand,
    queue,
    metrics,
    core,
    socket,
    async close() {
      await socket.stop(1000);
      await stand.close();
      await slack.close();
      await queue.close();
    },
  };
}

let n = 0;
export const eventId = () => `EvSOCK${Date.now()}${n++}`;

export function eventCallback(id = eventId(), text = "<@U0BOT> hi"): Record<string, unknown> {
  return {
    token: "legacy",
    team_id: "T0001",
    api_app_id: "A0BOT",
    type: "event_callback",
    event_id: id,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: "app_mention", user: "U1", text, ts: "1700000000.000100", channel: "C1" },
  };
}

export function slashCommand(command = "/deploy", text = "prod"): Record<string, unknown> {
  return {
    token: "legacy",
    team_id: "T0001",
    team_domain: "fake",
    channel_id: "C1",
    user_id: "U1",
    command,
    text,
    api_app_id: "A0BOT",
    response_url: "https://hooks.slack.invalid/commands/1",
    trigger_id: `tr.${Date.now()}.${n++}`,
  };
}

export function blockActions(): Record<string, unknown> {
  return {
    type: "block_actions",
    team: { id: "T0001", domain: "fake" },
    user: { id: "U1", team_id: "T0001" },
    api_app_id: "A0BOT",
    trigger_id: `tr.${Date.now()}.${n++}`,
    actions: [{ action_id: "approve", block_id: "b1", type: "button", value: "yes" }],
  };
}

/** The value of one labelled series of a metric, 0 when absent. */
export async function metricValue(
  metrics: Metrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const match = metric?.values.find((v) =>
    Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val),
  );
  return match?.value ?? 0;
}
