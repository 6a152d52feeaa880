import type { Config } from "../../config/config.js";
import { affordableMaxConnections, limitsFromEnv, openFileLimit } from "../../ingress/http/limits.js";
import type { ListenOptions } from "../../ingress/http/listen.js";
import type { Logger } from "../../observability/logger.js";
import type { Metrics } from "../../observability/metrics.js";

/**
 * The connection limits of a listener of this process (HTTP_* variables), with the connection limit
 * kept under the open-file limit; said once when it had to be lowered.
 */
export function listenerOptions(
  config: Config,
  name: "slack" | "ops",
  metrics: Metrics,
  logger: Logger,
): ListenOptions {
  const limits = limitsFromEnv(config.env);
  const fileLimit = openFileLimit();
  const { max, lowered } = affordableMaxConnections(limits.maxConnections, fileLimit);
  if (lowered) {
    logger.warn(
      { listener: name, wanted: limits.maxConnections, max_connections: max, open_file_limit: fileLimit },
      "HTTP_MAX_CONNECTIONS lowered to fit under the open-file limit (ulimit -n); raise that limit for more",
    );
  }
  return { ...limits, maxConnections: max, name, metrics, logger };
}
