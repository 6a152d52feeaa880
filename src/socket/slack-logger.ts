import { LogLevel, type Logger as SlackLogger } from "@slack/socket-mode";
import type { Logger } from "../observability/logger.js";

const text = (msg: unknown[]): string => msg.map((m) => (typeof m === "string" ? m : String(m))).join(" ");

/**
 * The Socket Mode client's own log lines, into ours. Its warnings (a ping timeout, a close handshake
 * left unanswered) stay warnings; its info and errors are debug: it reports every dropped socket and
 * every ack that found its connection gone as an error, and the adapter logs and counts those itself.
 */
export function slackLogger(logger: Logger): SlackLogger {
  return {
    debug: (...msg) => {
      if (logger.isLevelEnabled("debug")) logger.debug(text(msg));
    },
    info: (...msg) => {
      if (logger.isLevelEnabled("debug")) logger.debug(text(msg));
    },
    warn: (...msg) => logger.warn(text(msg)),
    error: (...msg) => {
      if (logger.isLevelEnabled("debug")) logger.debug(text(msg));
    },
    setLevel: () => {},
    getLevel: () => (logger.isLevelEnabled("debug") ? LogLevel.DEBUG : LogLevel.INFO),
    setName: () => {},
  };
}
