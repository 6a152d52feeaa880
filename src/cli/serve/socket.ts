import type { Config } from "../../config/config.js";
import { ConfigError } from "../../config/config-error.js";
import { envInt } from "../../config/env-int.js";
import type { IngressCore } from "../../ingress/core.js";
import type { Logger } from "../../observability/logger.js";
import type { Metrics } from "../../observability/metrics.js";
import { MAX_CONNECTIONS, SocketModeIngress } from "../../socket/ingress.js";
import { checkAppToken } from "../../socket/token.js";

export interface SocketModeSettings {
  appToken: string;
  connections: number;
  /**
   * `/slack/events` is served beside the socket when a signing secret is set (or with --dev): an app
   * moving between HTTP and Socket Mode feeds one queue through both, and the dedup spans them.
   */
  http: boolean;
}

const YES = new Set(["1", "true", "yes", "on"]);
const NO = new Set(["", "0", "false", "no", "off"]);

function envFlag(value: string | undefined, name: string): boolean {
  const v = (value ?? "").trim().toLowerCase();
  if (YES.has(v)) return true;
  if (NO.has(v)) return false;
  throw new ConfigError(`${name} must be 1 or 0 (true/false), got "${value}"; fix or unset it`);
}

/** Socket Mode as `--socket-mode` or SLACK_SOCKET_MODE asks for it (null when not), its settings checked. */
export function socketModeSettings(
  config: Config,
  flags: { socketMode?: boolean; dev?: boolean },
): SocketModeSettings | null {
  if (!flags.socketMode && !envFlag(config.env.SLACK_SOCKET_MODE, "SLACK_SOCKET_MODE")) return null;
  const connections = envInt(config.env.SLACK_SOCKET_CONNECTIONS, 1, "SLACK_SOCKET_CONNECTIONS", 1);
  if (connections > MAX_CONNECTIONS) {
    throw new ConfigError(
      `SLACK_SOCKET_CONNECTIONS must be 1..${MAX_CONNECTIONS} (Slack's limit per app), got ${connections}`,
    );
  }
  return {
    appToken: checkAppToken(config.env.SLACK_APP_TOKEN),
    connections,
    http: config.signingSecrets.length > 0 || Boolean(flags.dev),
  };
}

/** The Socket Mode adapter over the same ingress core as HTTP (not yet connected: see openSocketMode). */
export function socketModeIngress(
  config: Config,
  settings: SocketModeSettings,
  parts: { core: IngressCore; metrics: Metrics; logger: Logger },
): SocketModeIngress {
  return new SocketModeIngress({
    ...parts,
    appToken: settings.appToken,
    connections: settings.connections,
    ...(config.apiUrl ? { apiUrl: config.apiUrl } : {}),
  });
}

/** Connects; a refused token rejects with a ConfigError (one line, exit 1). */
export async function openSocketMode(socket: SocketModeIngress, logger: Logger): Promise<void> {
  await socket.start();
  logger.info(
    { connections_open: socket.openConnections },
    socket.openConnections > 0
      ? "Socket Mode connected"
      : "Socket Mode not connected yet; retrying (/readyz says so until a connection opens)",
  );
}
