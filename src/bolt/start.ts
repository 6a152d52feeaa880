import { commandContext, onShutdownSignal } from "../cli/context.js";
import { type Running, runServe } from "../cli/serve/run.js";
import type { SlacklineReceiver } from "./receiver.js";
import { boltRouter } from "./router.js";

/**
 * `app.start([port])`: what `slackline start --handlers app.ts` runs (ingress and worker, configured
 * from the environment and `.env`), in this process, with SIGINT/SIGTERM draining it.
 */
export async function startBoltApp(receiver: SlacklineReceiver, args: unknown[]): Promise<Running> {
  const port = args[0];
  const context = commandContext(
    typeof port === "number" || typeof port === "string" ? { port: String(port) } : {},
  );
  const running = await runServe("start", {}, context, boltRouter(receiver));
  onShutdownSignal(context.logger, () => running.stop());
  return running;
}
