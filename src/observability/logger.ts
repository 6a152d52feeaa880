import pino, { type Logger } from "pino";
import { type LogFormat, prettyDestination } from "./pretty.js";

export type { Logger };

/** Fields that must never reach a log line, wherever they appear. */
const REDACT = [
  "token",
  "*.token",
  "signingSecret",
  "*.signingSecret",
  "signature",
  "*.signature",
  "headers.authorization",
  "headers['x-slack-signature']",
  "*.headers.authorization",
  "*.headers['x-slack-signature']",
  "password",
  "*.password",
];

export interface LoggerOptions {
  level?: string;
  /** Where JSON lines go: stdout by default, stderr for the MCP stdio transport (stdout is the protocol). */
  destination?: "stdout" | "stderr";
  name?: string;
  /** JSON lines (the default) or pino-pretty's readable ones, for development. */
  format?: LogFormat;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const fd = options.destination === "stderr" ? 2 : 1;
  return pino(
    {
      name: options.name ?? "slackline",
      level: options.level ?? process.env.LOG_LEVEL ?? "info",
      redact: { paths: REDACT, censor: "[redacted]" },
      base: { pid: process.pid },
    },
    options.format === "pretty" ? prettyDestination(fd) : pino.destination({ fd, sync: fd === 2 }),
  );
}

/** A logger that writes nothing: the default for library use and tests. */
export const silentLogger: Logger = pino({ level: "silent" });
