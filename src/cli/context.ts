import { type Config, loadEnv, readConfig } from "../config/config.js";
import { createLogger, type Logger } from "../observability/logger.js";

export interface CommandContext {
  config: Config;
  logger: Logger;
}

/** Config from `.env` + the environment, with the flags a command accepts laid over it. */
export function commandContext(
  flags: { port?: string; host?: string },
  options: { logTo?: "stdout" | "stderr" } = {},
): CommandContext {
  const env = { ...loadEnv() };
  if (flags.port !== undefined) env.PORT = flags.port;
  if (flags.host !== undefined) env.HOST = flags.host;
  const config = readConfig(env);
  const logger = createLogger({ level: config.logLevel, destination: options.logTo ?? "stdout" });
  return { config, logger };
}

/** Runs `cleanup` once on SIGINT or SIGTERM, then exits 0 (1 if cleanup failed). */
export function onShutdownSignal(logger: Logger, cleanup: (signal: string) => Promise<void>): void {
  let shuttingDown = false;
  const handle = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, "shutting down");
    cleanup(signal).then(
      () => {
        logger.flush();
        process.exit(0);
      },
      (err: Error) => {
        logger.error({ err }, "shutdown failed");
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", handle);
  process.on("SIGTERM", handle);
}

export function parseCount(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number >= 1 (got ${value})`);
  return n;
}
