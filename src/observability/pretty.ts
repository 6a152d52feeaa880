import { createRequire } from "node:module";
import type { DestinationStream } from "pino";
import type { Env } from "../config/env.js";

export type LogFormat = "json" | "pretty";

/**
 * How a command's logs look. LOG_FORMAT (json or pretty) wins; otherwise readable lines for a person
 * (`--dev`, or the logs go to a terminal) and JSON lines for everything else (production, a pipe, a
 * log collector).
 */
export function logFormat(env: Env, options: { dev: boolean; fd: 1 | 2 }): LogFormat {
  const asked = env.LOG_FORMAT?.trim().toLowerCase();
  if (asked === "json" || asked === "pretty") return asked;
  if (options.dev) return "pretty";
  const stream = options.fd === 2 ? process.stderr : process.stdout;
  return stream.isTTY ? "pretty" : "json";
}

const require = createRequire(import.meta.url);

/**
 * pino-pretty in this process, writing synchronously to the fd (a line is out before the process
 * exits). Loaded only when asked for: a JSON logger never loads it.
 */
export function prettyDestination(fd: 1 | 2): DestinationStream {
  const pretty = require("pino-pretty") as typeof import("pino-pretty");
  const stream = fd === 2 ? process.stderr : process.stdout;
  return pretty({
    destination: fd,
    sync: true,
    colorize: Boolean(stream.isTTY) && !process.env.NO_COLOR,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname,name",
    singleLine: false,
  });
}
