import { type Config, loadEnv, readConfig } from "../config/config.js";
import { ConfigError } from "../config/config-error.js";
import { parsePort } from "../config/port.js";
import { createLogger, type Logger } from "../observability/logger.js";
import { logFormat } from "../observability/pretty.js";

export interface CommandContext {
  config: Config;
  logger: Logger;
}

/**
 * Config from `.env` + the environment, with the flags a command accepts laid over it. Logs are
 * readable lines with `--dev` or on a terminal, JSON lines otherwise (see logFormat()); a command
 * whose stdout is data (`dlq list`, `send`) logs to stderr.
 */
export function commandContext(
  flags: { port?: string; host?: string; dev?: boolean },
  options: { logTo?: "stdout" | "stderr" } = {},
): CommandContext {
  const env = { ...loadEnv() };
  // Checked here, so a bad value is blamed on the flag rather than on PORT.
  if (flags.port !== undefined) env.PORT = String(parsePort(flags.port, null, "--port"));
  if (flags.host !== undefined) env.HOST = flags.host;
  const config = readConfig(env);
  const destination = options.logTo ?? "stdout";
  const logger = createLogger({
    level: config.logLevel,
    destination,
    format: logFormat(env, { dev: Boolean(flags.dev), fd: destination === "stderr" ? 2 : 1 }),
  });
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
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError(`${name} must be a whole number >= 1 (got ${value})`);
  return n;
}
