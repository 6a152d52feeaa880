import type { ChatPostMessageResponse, WebClient } from "@slack/web-api";
import type { Envelope } from "../envelope/envelope.js";
import type { HandlerContext } from "../handlers/context.js";
import type { MessageResponse } from "../handlers/payloads.js";
import { respondTo, sayIn } from "../handlers/replies.js";
import type { Logger } from "../observability/logger.js";

/**
 * One handler call's context. A class rather than an object literal: its lazy getters live on the
 * prototype, so a call that never reads them (most do not) allocates no closures, no child logger
 * (pino serializes its bindings at once) and no AbortController (one of the dearest allocations on
 * this path); they are made on first use.
 */
export class Invocation implements HandlerContext {
  private childLogger: Logger | undefined;
  private controller: AbortController | undefined;
  private aborted = false;
  private respondFn: HandlerContext["respond"] | undefined;
  private sayFn: HandlerContext["say"] | undefined;

  constructor(
    readonly envelope: Envelope,
    readonly attempt: number,
    readonly route: string,
    readonly client: WebClient | undefined,
    private readonly parentLogger: Logger,
    /** True once the worker's drain deadline passed: a signal made after that starts aborted. */
    private readonly hardStopped: () => boolean,
  ) {}

  get retry(): HandlerContext["retry"] {
    return { num: this.envelope.retry_num, reason: this.envelope.retry_reason };
  }

  get logger(): Logger {
    this.childLogger ??= this.parentLogger.child({ route: this.route, id: this.envelope.id });
    return this.childLogger;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted || this.hardStopped()) this.controller.abort();
    }
    return this.controller.signal;
  }

  // Handlers destructure them (`{ respond, say }`), so they are functions bound to this call, made
  // on first use.
  get respond(): HandlerContext["respond"] {
    this.respondFn ??= (message: MessageResponse | string) => respondTo(this.envelope, message, this.signal);
    return this.respondFn;
  }

  get say(): HandlerContext["say"] {
    this.sayFn ??= (
      message: string | (MessageResponse & Record<string, unknown>),
    ): Promise<ChatPostMessageResponse> => sayIn(this.envelope, this.client, message);
    return this.sayFn;
  }

  /** The handler's timeout passed or the worker stops: abort its signal, now or once it is made. */
  abort(): void {
    this.aborted = true;
    this.controller?.abort();
  }
}
