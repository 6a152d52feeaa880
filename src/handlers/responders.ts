import type { WebClient } from "@slack/web-api";
import type { Envelope } from "../envelope/envelope.js";
import type { Logger } from "../observability/logger.js";
import type { AnswerableRoute, PayloadFor, ResponseFor } from "./payloads.js";

/** Narrows a responder to some payloads of its route: each a string (equal) or a RegExp (tested). */
export interface ResponderOptions {
  /** block_suggestion: the select's `action_id`; block_actions: the first action's. */
  actionId?: string | RegExp;
  /** block_suggestion: the select's `block_id`. */
  blockId?: string | RegExp;
  /** view_submission: the view's `callback_id`; dialogs, interactive messages, shortcuts: `callback_id`. */
  callbackId?: string | RegExp;
  /** Its deadline in ms (default RESPOND_TIMEOUT_MS, 2,500): past it Slack gets the fallback answer. */
  timeoutMs?: number;
}

/** The second argument of a responder. */
export interface ResponderContext {
  envelope: Envelope;
  /** A Web API client (honouring SLACK_API_URL) when SLACK_BOT_TOKEN is set. */
  client: WebClient | undefined;
  logger: Logger;
  /** Aborts at the responder's deadline: Slack has had its fallback answer by then. */
  signal: AbortSignal;
}

export type ResponderFn<N extends string = string> = (
  payload: PayloadFor<N>,
  context: ResponderContext,
) => ResponseFor<N> | Promise<ResponseFor<N>>;

export interface Responder {
  route: string;
  fn: (payload: never, context: ResponderContext) => unknown;
  options: ResponderOptions;
}

const matches = (want: string | RegExp | undefined, got: unknown): boolean => {
  if (want === undefined) return true;
  if (typeof got !== "string") return false;
  return typeof want === "string" ? want === got : want.test(got);
};

const record = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined;

/** The ids a responder's options are matched against, read from an interaction payload. */
function idsOf(body: Record<string, unknown>): { actionId: unknown; blockId: unknown; callbackId: unknown } {
  const firstAction = Array.isArray(body.actions) ? record(body.actions[0]) : undefined;
  return {
    actionId: body.action_id ?? firstAction?.action_id,
    blockId: body.block_id ?? firstAction?.block_id,
    callbackId: record(body.view)?.callback_id ?? body.callback_id,
  };
}

/** The route name a responder answers for: the command, or the interaction's type. */
export function answerRouteOf(envelope: Envelope): string | null {
  const body = envelope.body as Record<string, unknown>;
  if (envelope.kind === "command") return typeof body.command === "string" ? body.command : null;
  if (envelope.kind === "interaction") return typeof body.type === "string" ? body.type : null;
  return null;
}

/** The responders of a router, in registration order: the first that matches a payload answers it. */
export class ResponderTable {
  private readonly byRoute = new Map<string, Responder[]>();

  add<N extends AnswerableRoute>(route: N, fn: ResponderFn<N>, options: ResponderOptions = {}): void {
    if (typeof route !== "string" || route.length === 0) throw new TypeError("a route name is required");
    if (typeof fn !== "function") throw new TypeError(`the responder for "${route}" is not a function`);
    const list = this.byRoute.get(route) ?? [];
    list.push({ route, fn: fn as unknown as Responder["fn"], options });
    this.byRoute.set(route, list);
  }

  get size(): number {
    let n = 0;
    for (const list of this.byRoute.values()) n += list.length;
    return n;
  }

  routes(): string[] {
    return [...this.byRoute.keys()];
  }

  /** The responder that answers this envelope, or null. Events API envelopes never have one. */
  find(envelope: Envelope): Responder | null {
    const route = answerRouteOf(envelope);
    // "/*" answers every command that has no responder of its own.
    const list =
      route === null
        ? undefined
        : (this.byRoute.get(route) ?? (envelope.kind === "command" ? this.byRoute.get("/*") : undefined));
    if (!list) return null;
    const ids = idsOf(envelope.body as Record<string, unknown>);
    for (const responder of list) {
      const { actionId, blockId, callbackId } = responder.options;
      if (
        matches(actionId, ids.actionId) &&
        matches(blockId, ids.blockId) &&
        matches(callbackId, ids.callbackId)
      )
        return responder;
    }
    return null;
  }
}
