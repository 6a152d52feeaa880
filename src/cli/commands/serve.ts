import { loadHandlers } from "../../handlers/load.js";
import { Router } from "../../handlers/router.js";
import type { Logger } from "../../observability/logger.js";
import { commandContext, onShutdownSignal } from "../context.js";
import { runServe, type ServeFlags, type ServeMode } from "../serve/run.js";

export type { ServeFlags };

/** Without --handlers, `start` logs each event it receives. */
function loggingRouter(logger: Logger): Router {
  return new Router().onUnknown((_payload, ctx) => {
    const body = ctx.envelope.body as Record<string, unknown>;
    const event = body.event as Record<string, unknown> | undefined;
    logger.info(
      {
        id: ctx.envelope.id,
        kind: ctx.envelope.kind,
        type: event?.type ?? body.type ?? body.command,
        attempt: ctx.attempt,
      },
      "event received (no --handlers given)",
    );
  });
}

/**
 * `start` (ingress + worker), `gateway` (ingress only; with --handlers its responders answer inline)
 * and `worker` (worker only): the handler module, then the process's parts, then the shutdown.
 */
export async function serve(mode: ServeMode, flags: ServeFlags): Promise<void> {
  const context = commandContext(flags);
  const router = flags.handlers
    ? await loadHandlers(flags.handlers)
    : mode !== "gateway"
      ? loggingRouter(context.logger)
      : null;
  const running = await runServe(mode, flags, context, router);
  onShutdownSignal(context.logger, () => running.stop());
}
