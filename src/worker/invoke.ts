import type { WebClient } from "@slack/web-api";
import { SlacklineError } from "../errors.js";
import type { HandlerContext } from "../handlers/context.js";
import { payloadOf, type Route } from "../handlers/router.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { Delivery } from "../queue/types.js";
import { type Failure, failureOf } from "./failure.js";
import { Invocation } from "./invocation.js";

type HandlerOutcome = "ok" | "error" | "timeout";
type Timers = Record<HandlerOutcome, { observe(seconds: number): void }>;

export class HandlerTimeoutError extends SlacklineError {
  constructor(route: string, ms: number) {
    super("SLACKLINE_HANDLER_TIMEOUT", `handler for ${route} timed out after ${ms} ms`);
  }
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null)?.then === "function";

export interface InvokerOptions {
  handlerTimeoutMs: number;
  client: WebClient | undefined;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Runs one handler: its context, its timeout (which aborts its signal), its metrics. Synchronous
 * handlers settle without a promise. Returns the failure, or null on success.
 */
export class HandlerInvoker {
  /** One per handler still running: aborted on its timeout, or all at once by abortAll(). */
  private readonly running = new Set<Invocation>();
  private hardStop = false;
  private readonly hardStopped = () => this.hardStop;
  /** Metric children per route, resolved once: label lookups hash their values on every call. */
  private readonly timers = new Map<string, Timers>();

  constructor(private readonly options: InvokerOptions) {}

  invoke(route: Route, delivery: Delivery): Failure | null | Promise<Failure | null> {
    const { client, logger, handlerTimeoutMs } = this.options;
    const invocation = new Invocation(
      delivery.message,
      delivery.attempt,
      route.name,
      client,
      logger,
      this.hardStopped,
    );
    const started = performance.now();
    let result: unknown;
    try {
      result = (route.handler as (p: unknown, c: HandlerContext) => unknown)(
        payloadOf(delivery.message),
        invocation,
      );
    } catch (err) {
      return this.failed(route, started, err);
    }
    // Only a handler still running can be aborted: a synchronous one is done, with no timer and no promise.
    if (isThenable(result)) {
      this.running.add(invocation);
      return this.awaitHandler(route, result, invocation, route.timeoutMs ?? handlerTimeoutMs, started);
    }
    this.timersOf(route.name).ok.observe((performance.now() - started) / 1000);
    return null;
  }

  /** The drain deadline passed: every running handler's signal aborts, and so does any made from now on. */
  abortAll(): void {
    this.hardStop = true;
    for (const invocation of this.running) invocation.abort();
  }

  private async awaitHandler(
    route: Route,
    result: PromiseLike<unknown>,
    invocation: Invocation,
    timeoutMs: number,
    started: number,
  ): Promise<Failure | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise((resolve, reject) => {
        timer = setTimeout(() => {
          invocation.abort();
          reject(new HandlerTimeoutError(route.name, timeoutMs));
        }, timeoutMs);
        result.then(resolve, reject);
      });
      this.timersOf(route.name).ok.observe((performance.now() - started) / 1000);
      return null;
    } catch (err) {
      return this.failed(route, started, err);
    } finally {
      clearTimeout(timer);
      this.running.delete(invocation);
    }
  }

  private failed(route: Route, started: number, err: unknown): Failure {
    const outcome = err instanceof HandlerTimeoutError ? "timeout" : "error";
    this.timersOf(route.name)[outcome].observe((performance.now() - started) / 1000);
    return failureOf(route.name, err);
  }

  private timersOf(route: string): Timers {
    let timers = this.timers.get(route);
    if (!timers) {
      const h = this.options.metrics.handlerSeconds;
      timers = {
        ok: h.labels(route, "ok"),
        error: h.labels(route, "error"),
        timeout: h.labels(route, "timeout"),
      };
      this.timers.set(route, timers);
    }
    return timers;
  }
}
