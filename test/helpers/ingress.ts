import { MemoryDedupStore } from "../../src/dedup/memory.js";
import type { DedupStore } from "../../src/dedup/types.js";
import { IngressCore } from "../../src/ingress/core.js";
import { createHttpIngress } from "../../src/ingress/http/handler.js";
import { listen, type RunningServer } from "../../src/ingress/http/listen.js";
import { backendReadiness, opsRoutes } from "../../src/ingress/http/ops.js";
import type { InlineAnswers } from "../../src/ingress/inline.js";
import { IngressPublisher } from "../../src/ingress/publisher.js";
import { signSlackRequest } from "../../src/ingress/signature.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import type { QueueBackend } from "../../src/queue/types.js";

export const SECRET = "test-signing-secret";
export const TOPIC = "slack_events";

export interface TestIngress extends RunningServer {
  metrics: Metrics;
  post(body: string, options?: PostOptions): Promise<Response>;
}

export interface PostOptions {
  contentType?: string;
  headers?: Record<string, string>;
  secret?: string;
  timestamp?: number;
  unsigned?: boolean;
  method?: string;
  path?: string;
}

/** A real ingress on a loopback port, in this process, over the given backend. */
export async function startTestIngress(
  backend: QueueBackend,
  options: {
    dedup?: DedupStore | null;
    maxBodyBytes?: number;
    inline?: InlineAnswers;
    metrics?: Metrics;
  } = {},
): Promise<TestIngress> {
  const metrics = options.metrics ?? new Metrics();
  const dedup = options.dedup === undefined ? new MemoryDedupStore() : options.dedup;
  const publisher = new IngressPublisher(backend, TOPIC, 3600, dedup);
  const core = new IngressCore({
    publisher,
    signingSecrets: [SECRET],
    metrics,
    logger: silentLogger,
    ...(options.inline ? { inline: options.inline } : {}),
  });
  const handler = createHttpIngress({
    core,
    metrics,
    routes: [opsRoutes({ metrics, readiness: [backendReadiness(backend)] })],
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
  });
  const server = await listen(handler, 0, "127.0.0.1");
  const post = async (body: string, o: PostOptions = {}) => {
    const signed = signSlackRequest(o.secret ?? SECRET, body, o.timestamp);
    const headers: Record<string, string> = {
      "content-type": o.contentType ?? "application/json",
      ...(o.unsigned
        ? {}
        : { "x-slack-request-timestamp": signed.timestamp, "x-slack-signature": signed.signature }),
      ...o.headers,
    };
    return fetch(`${server.url}${o.path ?? "/slack/events"}`, {
      method: o.method ?? "POST",
      headers,
      ...(o.method === "GET" ? {} : { body }),
    });
  };
  return { ...server, metrics, post };
}

let counter = 0;
export function eventCallback(event: Record<string, unknown> = {}, eventId?: string): string {
  return JSON.stringify({
    token: "legacy",
    team_id: "T0001",
    api_app_id: "A0001",
    type: "event_callback",
    event_id: eventId ?? `Ev${Date.now()}${counter++}`,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: "app_mention",
      user: "U1",
      text: "<@UBOT> hi",
      ts: "1700000000.000100",
      channel: "C1",
      ...event,
    },
  });
}
