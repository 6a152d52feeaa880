import type { WebClient } from "@slack/web-api";
import type { Envelope } from "../envelope/envelope.js";
import { errorText, SlacklineError } from "../errors.js";
import {
  EMPTY_ANSWER,
  type InlineAnswer,
  type InlineAnswers,
  type PendingAnswer,
} from "../ingress/inline.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { Responder, ResponderContext } from "./responders.js";
import { payloadOf, type Router } from "./router.js";

export const DEFAULT_RESPOND_TIMEOUT_MS = 2500;

/** Lookups Slack sends many of while a user types: queued only when a queued route wants them. */
const LOOKUPS = new Set(["block_suggestion", "dialog_suggestion"]);

/**
 * What Slack gets when a responder throws or passes its deadline: an empty options list for
 * lookups (the menu shows "no options"), an empty 200 for everything else (a modal or dialog
 * closes, a command shows nothing; the payload is still queued, so its queued routes run and can
 * reply through `respond()`).
 */
export function fallbackAnswer(route: string): InlineAnswer {
  return LOOKUPS.has(route) ? NO_OPTIONS : EMPTY_ANSWER;
}

const NO_OPTIONS: InlineAnswer = { contentType: "application/json; charset=utf-8", body: '{"options":[]}' };

class ResponderTimeoutError extends SlacklineError {
  constructor(route: string, ms: number) {
    super("SLACKLINE_RESPONDER_TIMEOUT", `responder for ${route} passed its ${ms} ms deadline`);
  }
}

/** A responder's return value as the answer: object -> JSON, string -> text, nothing -> empty. */
export function answerOf(value: unknown): InlineAnswer {
  if (value === undefined || value === null) return EMPTY_ANSWER;
  if (typeof value === "string") return { contentType: "text/plain; charset=utf-8", body: value };
  if (typeof value === "object")
    return { contentType: "application/json; charset=utf-8", body: JSON.stringify(value) };
  throw new TypeError(`a responder must return an object, a string or nothing, not a ${typeof value}`);
}

/** One responder call's context: its signal and child logger are made only if it reads them. */
class ResponderCall implements ResponderContext {
  private controller: AbortController | undefined;
  private childLogger: Logger | undefined;
  private aborted = false;

  constructor(
    readonly envelope: Envelope,
    readonly client: WebClient | undefined,
    private readonly route: string,
    private readonly parentLogger: Logger,
  ) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort();
    }
    return this.controller.signal;
  }

  get logger(): Logger {
    this.childLogger ??= this.parentLogger.child({ responder: this.route, id: this.envelope.id });
    return this.childLogger;
  }

  abort(): void {
    this.aborted = true;
    this.controller?.abort();
  }
}

export interface ResponderRunnerOptions {
  router: Router;
  client: WebClient | undefined;
  logger: Logger;
  metrics: Metrics;
  /** Deadline of a responder that sets none (RESPOND_TIMEOUT_MS). */
  timeoutMs?: number;
}

type Outcome = "ok" | "error" | "timeout";

/** Runs a router's responders for the ingress core, each within its deadline. */
export class ResponderRunner implements InlineAnswers {
  private readonly timeoutMs: number;

  constructor(private readonly options: ResponderRunnerOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_RESPOND_TIMEOUT_MS;
  }

  answer(envelope: Envelope): PendingAnswer | null {
    const responder = this.options.router.responders.find(envelope);
    if (!responder) return null;
    return {
      answer: this.run(responder, envelope),
      queue: !LOOKUPS.has(responder.route) || this.options.router.queues(envelope),
    };
  }

  private run(responder: Responder, envelope: Envelope): Promise<InlineAnswer> {
    const call = new ResponderCall(envelope, this.options.client, responder.route, this.options.logger);
    const started = performance.now();
    let value: unknown;
    try {
      value = (responder.fn as (p: unknown, c: ResponderContext) => unknown)(payloadOf(envelope), call);
      if (typeof (value as PromiseLike<unknown> | null)?.then !== "function") {
        const answer = answerOf(value);
        this.observe(responder.route, "ok", started);
        return Promise.resolve(answer);
      }
    } catch (err) {
      return Promise.resolve(this.fallback(responder, envelope, "error", started, err));
    }
    return this.settle(responder, envelope, call, value as PromiseLike<unknown>, started);
  }

  /** Waits for an async responder at most its deadline, which aborts its signal. */
  private async settle(
    responder: Responder,
    envelope: Envelope,
    call: ResponderCall,
    pending: PromiseLike<unknown>,
    started: number,
  ): Promise<InlineAnswer> {
    const ms = responder.options.timeoutMs ?? this.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      const value = await new Promise((resolve, reject) => {
        timer = setTimeout(() => reject(new ResponderTimeoutError(responder.route, ms)), ms);
        pending.then(resolve, reject);
      });
      const answer = answerOf(value);
      this.observe(responder.route, "ok", started);
      return answer;
    } catch (err) {
      const timedOut = err instanceof ResponderTimeoutError;
      if (timedOut) call.abort();
      return this.fallback(responder, envelope, timedOut ? "timeout" : "error", started, err);
    } finally {
      clearTimeout(timer);
    }
  }

  private fallback(
    responder: Responder,
    envelope: Envelope,
    outcome: Outcome,
    started: number,
    err: unknown,
  ): InlineAnswer {
    this.observe(responder.route, outcome, started);
    this.options.logger.warn(
      { err, route: responder.route, id: envelope.id, outcome },
      `responder ${outcome === "timeout" ? "passed its deadline" : "failed"}; Slack got the fallback answer (${errorText(err)})`,
    );
    return fallbackAnswer(responder.route);
  }

  private observe(route: string, outcome: Outcome, started: number): void {
    this.options.metrics.responderSeconds
      .labels(route, outcome)
      .observe((performance.now() - started) / 1000);
  }
}
