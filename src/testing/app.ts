import { openBackend, openDedup } from "../cli/runtime.js";
import { buildIngressCore } from "../cli/serve/ingress.js";
import { buildWorker } from "../cli/serve/worker.js";
import { readConfig } from "../config/config.js";
import type { Env } from "../config/env.js";
import type { RecentDetail } from "../dashboard/api-types.js";
import { RecentEvents } from "../dashboard/recent-events.js";
import { routerFrom } from "../handlers/load.js";
import { createHttpIngress, EVENTS_PATH } from "../ingress/http/handler.js";
import { listen } from "../ingress/http/listen.js";
import { EVENT_ID_HEADER, EXPLAIN_HEADER, OUTCOME_HEADER } from "../ingress/results.js";
import { signSlackRequest } from "../ingress/signature.js";
import type { FlowObserver } from "../observability/flow.js";
import { type Logger, silentLogger } from "../observability/logger.js";
import { Metrics } from "../observability/metrics.js";
import { createWebClient } from "../slack/client.js";
import type { FakeSlack } from "./fake-slack.js";
import { encodeAsSlack } from "./slack-request.js";

export interface TestAppOptions {
  /** What a handler module exports: a Router, a handler class or instance, or (router) => void. */
  handlers: unknown;
  /** Handlers get a Web API client pointed at this fake Slack (SLACK_API_URL and SLACK_BOT_TOKEN). */
  slack?: FakeSlack;
  /** More settings, over the test defaults (memory queue, quick retries); process.env is not read. */
  env?: Env;
  /** Default: silent. */
  logger?: Logger;
}

/** What the ingress answered a request: its status, body, and what became of the delivery. */
export interface SentRequest {
  status: number;
  body: string;
  /** accepted, duplicate, answered, unavailable; null for what was not a delivery (rejected, url_verification). */
  outcome: string | null;
  /** The envelope id (the event_id, or the interaction's or command's id). */
  id: string | null;
}

const TEST_ENV: Env = {
  QUEUE_BACKEND: "memory",
  SLACK_SIGNING_SECRET: "slackline-test-signing-secret",
  HOST: "127.0.0.1",
  PORT: "0",
  RETRY_BASE_MS: "10",
  RETRY_CAP_MS: "100",
  MAX_ATTEMPTS: "3",
};

const FINAL = new Set(["acked", "skipped_processed", "dead_lettered"]);

/**
 * Slackline in your test's process: the ingress on a loopback port and a worker running your
 * handlers, on the in-memory queue. `send()` signs a payload as Slack would and posts it over real
 * HTTP; `handled()` waits for the worker to settle it.
 *
 * ```ts
 * const app = await TestApp.start({ handlers: router, slack });
 * const { id } = await app.send(appMentionPayload);
 * const outcome = await app.handled(id!); // outcome.history[0].routes: ["app_mention"]
 * await app.close();
 * ```
 */
export class TestApp {
  private readonly waiters = new Map<string, Set<() => void>>();

  private constructor(
    /** The Request URL: `http://127.0.0.1:<port>/slack/events`. */
    readonly url: string,
    readonly signingSecret: string,
    /** This app's metrics (slackline_deliveries_total, slackline_unrouted_total...). */
    readonly metrics: Metrics,
    private readonly recent: RecentEvents,
    private readonly stop: () => Promise<void>,
  ) {}

  static async start(options: TestAppOptions): Promise<TestApp> {
    const slackEnv: Env = options.slack
      ? { SLACK_API_URL: options.slack.apiUrl, SLACK_BOT_TOKEN: options.slack.token }
      : {};
    const config = readConfig({ ...TEST_ENV, ...slackEnv, ...options.env });
    const logger = options.logger ?? silentLogger;
    const router = await routerFrom(options.handlers, "TestApp's handlers");
    const backend = await openBackend(config, logger);
    const dedup = await openDedup(config, backend, { ingress: true, worker: true });
    const metrics = new Metrics();
    const client = createWebClient(config);
    const recent = new RecentEvents();
    let app: TestApp | undefined;
    const observer: FlowObserver = {
      received: recent.received,
      settled: (group, envelope, result, detail) => {
        recent.settled(group, envelope, result, detail);
        app?.wake(envelope.id);
      },
    };
    const worker = buildWorker(
      config,
      {},
      { backend, markers: dedup.store!, metrics, logger, client, observer },
      router,
    );
    const core = buildIngressCore(config, {
      publisher: dedup.publisher!,
      secrets: config.signingSecrets,
      metrics,
      logger,
      client,
      router,
      observer,
    });
    const server = await listen(createHttpIngress({ core, metrics }), config.port, config.host);
    const running = worker.start();
    const close = async () => {
      await server.close();
      await worker.stop(1000);
      await running;
      await dedup.store?.close();
      await backend.close();
    };
    app = new TestApp(`${server.url}${EVENTS_PATH}`, config.signingSecrets[0]!, metrics, recent, close);
    return app;
  }

  /**
   * Posts a payload the way Slack does: an Events API body as JSON, an interaction as a
   * `payload=` form, a slash command (an object with `command`) as a form; signed, over HTTP.
   */
  async send(payload: object | string, options: { retry?: number } = {}): Promise<SentRequest> {
    const encoded = encodeAsSlack(typeof payload === "string" ? payload : JSON.stringify(payload), false);
    const { timestamp, signature } = signSlackRequest(this.signingSecret, encoded.body);
    const headers: Record<string, string> = {
      "content-type": encoded.contentType,
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": signature,
      [EXPLAIN_HEADER]: "1",
    };
    if (options.retry) {
      headers["x-slack-retry-num"] = String(options.retry);
      headers["x-slack-retry-reason"] = "http_timeout";
    }
    const res = await fetch(this.url, { method: "POST", headers, body: encoded.body });
    return {
      status: res.status,
      body: await res.text(),
      outcome: res.headers.get(OUTCOME_HEADER),
      id: res.headers.get(EVENT_ID_HEADER),
    };
  }

  /**
   * Resolves once the worker settled this envelope for good (handled, or dead-lettered after its
   * attempts) with what it did: `history` lists each settlement with the routes that ran and any
   * error. Rejects after `timeoutMs`.
   */
  handled(id: string, timeoutMs = 5000): Promise<RecentDetail> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const detail = this.recent.get(id);
        if (!detail || detail.groups.length === 0 || !detail.groups.every((g) => FINAL.has(g.result)))
          return false;
        done();
        resolve(detail);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `${id} was not settled within ${timeoutMs} ms; so far: ${JSON.stringify(this.recent.get(id)?.history ?? "never received")}`,
          ),
        );
      }, timeoutMs);
      const waiting = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, waiting);
      const done = () => {
        clearTimeout(timer);
        waiting.delete(check);
        if (waiting.size === 0) this.waiters.delete(id);
      };
      waiting.add(check);
      check();
    });
  }

  private wake(id: string): void {
    for (const check of [...(this.waiters.get(id) ?? [])]) check();
  }

  /** Stops the ingress, drains the worker, closes the queue. */
  close(): Promise<void> {
    return this.stop();
  }
}
