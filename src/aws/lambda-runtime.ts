import { openBackend, openDedup } from "../cli/runtime.js";
import { buildIngressCore } from "../cli/serve/ingress.js";
import { loadEnv, readConfig } from "../config/config.js";
import { ConfigError } from "../config/config-error.js";
import type { IngressCore } from "../ingress/core.js";
import { createLogger } from "../observability/logger.js";
import { Metrics } from "../observability/metrics.js";
import type { LambdaIngressOptions } from "./options.js";

/** The ingress core of a Lambda: configuration from the function's environment, no dev secret. */
export async function openLambdaIngress(options: LambdaIngressOptions): Promise<IngressCore> {
  const config = readConfig(options.env ?? loadEnv());
  if (config.signingSecrets.length === 0)
    throw new ConfigError("SLACK_SIGNING_SECRET is not set in the function's environment");
  const logger = createLogger({ level: config.logLevel });
  const backend = await openBackend(config, logger);
  const { publisher } = await openDedup(config, backend, { ingress: true, worker: false });
  return buildIngressCore(config, {
    publisher: publisher!,
    secrets: config.signingSecrets,
    metrics: new Metrics(),
    logger,
    // @slack/web-api loads only when there is a token to use it with (about 50 ms of a cold start).
    client: config.botToken ? (await import("../slack/client.js")).createWebClient(config) : undefined,
    router: options.router ?? null,
  });
}
