// The chaos suite's handler module: every event (and interaction, and command) that finishes its
// handler appends "<envelope id> <pid>" to $CHAOS_RECORD_FILE (O_APPEND: whole lines, kept across
// kill -9). $CHAOS_HANDLER_MS makes each handler take that long first, so a kill lands mid-handler.
import { appendFileSync } from "node:fs";
import type { HandlerContext } from "../src/handlers/context.js";
import type { Router } from "../src/handlers/router.js";

const file = process.env.CHAOS_RECORD_FILE;
if (!file) throw new Error("CHAOS_RECORD_FILE is not set");
const delayMs = Number(process.env.CHAOS_HANDLER_MS ?? 0);

async function handle(_payload: unknown, ctx: HandlerContext): Promise<void> {
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  appendFileSync(file!, `${ctx.envelope.id} ${process.pid}\n`);
}

export default (router: Router) => {
  router.on("*", handle);
  router.onUnknown(handle);
};
