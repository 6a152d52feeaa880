import { ConfigError } from "../config/config-error.js";
import type { Envelope } from "../envelope/envelope.js";
import type { Handler } from "./context.js";
import {
  type AnswerableRoute,
  type PayloadFor,
  type RouteName,
  SUBSCRIPTION_BY_CHANNEL_TYPE,
} from "./payloads.js";
import { type ResponderFn, type ResponderOptions, ResponderTable } from "./responders.js";

export interface RouteOptions {
  /** Lower runs first; ties run in registration order. Default 0. */
  priority?: number;
  /** Per-handler timeout in ms (default: the worker's). */
  timeoutMs?: number;
  /**
   * A stable name for this handler's processed-marker. Default `<route>#<n>` (the n-th handler
   * registered on that route), stable as long as the module registers handlers in the same order.
   */
  id?: string;
  /** Claim the work through a named lock before running (for example "slack": Slack itself arbitrates). */
  claim?: string;
}

export interface Route {
  name: string;
  /** Key of this handler's processed-marker. */
  id: string;
  handler: Handler<never>;
  priority: number;
  order: number;
  timeoutMs: number | undefined;
  claim: string | undefined;
  fallback: boolean;
}

const ROUTER_BRAND = Symbol.for("slackline.router");

/** Lower priority first; ties in registration order. */
const byRunOrder = (a: Route, b: Route): number => a.priority - b.priority || a.order - b.order;

/** The payload a matched handler receives: the inner event, the interaction payload or the command form. */
export function payloadOf(envelope: Envelope): unknown {
  const body = envelope.body as Record<string, unknown>;
  if (envelope.kind === "event" && body.type === "event_callback") return body.event;
  return body;
}

/** Every route name that an envelope answers to, most specific last. */
export function routeNamesOf(envelope: Envelope): string[] {
  const body = envelope.body as Record<string, unknown>;
  if (envelope.kind === "command") return typeof body.command === "string" ? [body.command] : [];
  if (envelope.kind === "interaction") return typeof body.type === "string" ? [body.type] : [];
  // Events API: route on the inner event's type, never on the envelope's own "event_callback".
  const event = body.type === "event_callback" ? (body.event as Record<string, unknown> | undefined) : body;
  const type = event?.type;
  if (typeof type !== "string") return ["*"];
  const names = ["*", type];
  if (typeof event?.subtype === "string") names.push(`${type}.${event.subtype}`);
  if (type === "message" && typeof event?.channel_type === "string") {
    const subscription = SUBSCRIPTION_BY_CHANNEL_TYPE[event.channel_type];
    if (subscription) names.push(subscription);
  }
  return names;
}

/**
 * Maps route names to handlers. Two styles over one table: `router.on("app_mention", fn)` and
 * `router.use(classOrInstance)` whose `onAppMention`-style methods become routes.
 */
export class Router {
  readonly [ROUTER_BRAND] = true;
  private readonly routes: Route[] = [];
  private readonly byName = new Map<string, Route[]>();
  private readonly fallbacks: Route[] = [];
  private order = 0;
  /** The responders: they answer Slack inline, in the process that receives the request. */
  readonly responders = new ResponderTable();

  static isRouter(value: unknown): value is Router {
    return (
      typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[ROUTER_BRAND] === true
    );
  }

  on<N extends RouteName>(name: N, handler: Handler<PayloadFor<N>>, options: RouteOptions = {}): this {
    if (typeof name !== "string" || name.length === 0) throw new TypeError("a route name is required");
    if (typeof handler !== "function") throw new TypeError(`the handler for "${name}" is not a function`);
    this.add(name, handler as Handler<never>, options, false);
    return this;
  }

  /**
   * Answers Slack inline for payloads whose HTTP answer Slack reads: options of an external select
   * (`block_suggestion`), a modal's validation (`view_submission`), a command's immediate reply
   * (`/deploy`), the legacy dialog and message types. What `fn` returns is the answer (an object as
   * JSON, a string as text, nothing as an empty 200); it runs where Slack's request arrives, within
   * its deadline. The payload still reaches the queued routes (`on`), once.
   */
  respond<N extends AnswerableRoute>(route: N, fn: ResponderFn<N>, options?: ResponderOptions): this {
    this.responders.add(route, fn, options);
    return this;
  }

  /** Runs for an envelope that no other route matched. */
  onUnknown(handler: Handler<unknown>, options: RouteOptions = {}): this {
    return this.catchAll("unknown", handler, options);
  }

  /** A route for what nothing else matched, under a name of its own (a Bolt app is one: "bolt"). */
  catchAll(name: string, handler: Handler<unknown>, options: RouteOptions = {}): this {
    this.add(name, handler as Handler<never>, options, true);
    return this;
  }

  message(handler: Handler<PayloadFor<"message">>, options?: RouteOptions): this {
    return this.on("message", handler, options);
  }
  appMention(handler: Handler<PayloadFor<"app_mention">>, options?: RouteOptions): this {
    return this.on("app_mention", handler, options);
  }
  reactionAdded(handler: Handler<PayloadFor<"reaction_added">>, options?: RouteOptions): this {
    return this.on("reaction_added", handler, options);
  }
  action(handler: Handler<PayloadFor<"block_actions">>, options?: RouteOptions): this {
    return this.on("block_actions", handler, options);
  }
  viewSubmission(handler: Handler<PayloadFor<"view_submission">>, options?: RouteOptions): this {
    return this.on("view_submission", handler, options);
  }
  shortcut(handler: Handler<PayloadFor<"shortcut">>, options?: RouteOptions): this {
    return this.on("shortcut", handler, options);
  }
  command<C extends `/${string}`>(command: C, handler: Handler<PayloadFor<C>>, options?: RouteOptions): this {
    return this.on(command, handler, options);
  }
  /** Every Events API event. */
  any(handler: Handler<PayloadFor<"*">>, options?: RouteOptions): this {
    return this.on("*", handler, options);
  }

  /**
   * Registers a handler class (instantiated with no arguments) or instance: `onAppMention` handles
   * app_mention, `onMessage__BotMessage` message.bot_message, `onMessage__Im` message.im,
   * `onBlockActions` block_actions, `onUnknown` whatever nothing else matched. Responders are
   * `answer` methods: `answerBlockSuggestion` (block_suggestion), `answerViewSubmission`, and
   * `answerCommand__Deploy` for /deploy.
   */
  use(target: object | (new () => object)): this {
    const instance = typeof target === "function" ? new (target as new () => object)() : target;
    for (const method of classMethodNames(instance, /^on[A-Z]/)) {
      const fn = (instance as Record<string, Handler<never>>)[method]!.bind(instance);
      if (method === "onUnknown") this.onUnknown(fn as Handler<unknown>, { id: `class:${method}` });
      else this.add(routeNameOfMethod(method), fn, { id: `class:${method}` }, false);
    }
    for (const method of classMethodNames(instance, /^answer[A-Z]/)) {
      const fn = (instance as Record<string, ResponderFn<AnswerableRoute>>)[method]!.bind(instance);
      this.responders.add(responderRouteOfMethod(method) as AnswerableRoute, fn);
    }
    return this;
  }

  /** A queued route (not the onUnknown fallback) wants this envelope. */
  queues(envelope: Envelope): boolean {
    const routes = this.match(envelope);
    return routes.length > 0 && !routes[0]!.fallback;
  }

  /**
   * The handlers an envelope runs, in order: priority, then registration. Read-only: it may be the
   * router's own list.
   */
  match(envelope: Envelope): readonly Route[] {
    let only: Route[] | undefined;
    let matched: Route[] | undefined;
    for (const name of routeNamesOf(envelope)) {
      const routes = this.byName.get(name);
      if (!routes) continue;
      if (!only) only = routes;
      else if (!matched) matched = [...only, ...routes];
      else matched.push(...routes);
    }
    // One name's list is kept in run order: handed out as it is (the usual case: no copy, no sort).
    if (!matched) return only ?? this.fallbacks;
    return matched.sort(byRunOrder);
  }

  /** Route names registered, for the start-up log. */
  names(): string[] {
    return [...new Set(this.routes.map((r) => r.name))];
  }

  private add(name: string, handler: Handler<never>, options: RouteOptions, fallback: boolean): void {
    const sameName = this.routes.filter((r) => r.name === name).length;
    const route: Route = {
      name,
      id: options.id ?? `${name}#${sameName}`,
      handler,
      priority: options.priority ?? 0,
      order: this.order++,
      timeoutMs: options.timeoutMs,
      claim: options.claim,
      fallback,
    };
    if (this.routes.some((r) => r.id === route.id))
      throw new ConfigError(`two handlers share the id "${route.id}"`);
    this.routes.push(route);
    if (fallback) {
      this.fallbacks.push(route);
      return;
    }
    const list = this.byName.get(name) ?? [];
    list.push(route);
    list.sort(byRunOrder);
    this.byName.set(name, list);
  }
}

function classMethodNames(instance: object, pattern: RegExp): string[] {
  const names = new Set<string>();
  for (let proto = instance; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (pattern.test(name) && typeof (instance as Record<string, unknown>)[name] === "function")
        names.add(name);
    }
  }
  return [...names];
}

const snake = (camel: string): string =>
  camel
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/^_/, "")
    .toLowerCase();

/** `onAppMention` -> app_mention; `onMessage__BotMessage` -> message.bot_message. */
export function routeNameOfMethod(method: string): string {
  return method.slice(2).split("__").map(snake).join(".");
}

/** `answerBlockSuggestion` -> block_suggestion; `answerCommand__Deploy` -> /deploy (`__` in a command is `-`). */
export function responderRouteOfMethod(method: string): string {
  const [first, ...rest] = method.slice("answer".length).split("__");
  if (first === "Command" && rest.length > 0) return `/${rest.map(snake).join("-")}`;
  return snake(first!);
}
