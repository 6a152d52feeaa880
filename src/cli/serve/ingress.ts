import type { WebClient } from "@slack/web-api";
import { type Config, ConfigError, signingSecretsOrDev } from "../../config/config.js";
import { envInt } from "../../config/env-int.js";
import { DEFAULT_RESPOND_TIMEOUT_MS, ResponderRunner } from "../../handlers/responder-runner.js";
import type { Router } from "../../handlers/router.js";
import { IngressCore } from "../../ingress/core.js";
import type { IngressPublisher } from "../../ingress/publisher.js";
import type { FlowObserver } from "../../observability/flow.js";
import type { Logger } from "../../observability/logger.js";
import type { Metrics } from "../../observability/metrics.js";

/**
 * SLACK_SIGNING_SECRET, or with --dev the development secret (said loudly). Without --dev an existing
 * development secret is never used: a forgotten variable must not make forgeable requests acceptable
 * to anyone who can read the data dir (`slackline send` still signs with it).
 */
export function signingSecrets(config: Config, dev: boolean, logger: Logger): string[] {
  if (config.signingSecrets.length === 0 && !dev) {
    throw new ConfigError(
      "SLACK_SIGNING_SECRET is not set; set it to your Slack app's signing secret (Basic Information page), or run with --dev for a local development secret",
    );
  }
  const { secrets, dev: usingDev, created } = signingSecretsOrDev(config, { dev });
  if (usingDev) {
    logger.warn(
      { file: `${config.dataDir}/dev-signing-secret`, created },
      "DEVELOPMENT MODE: using a local development signing secret, not your Slack app's; real Slack requests will be rejected. Set SLACK_SIGNING_SECRET for production",
    );
  }
  return secrets;
}

export interface IngressParts {
  publisher: IngressPublisher;
  secrets: string[];
  metrics: Metrics;
  logger: Logger;
  client: WebClient | undefined;
  /** The handler module's router: its responders answer inline here. */
  router: Router | null;
  observer?: FlowObserver;
}

/** The ingress core, with the router's responders (if it has any) answering inline. */
export function buildIngressCore(config: Config, parts: IngressParts): IngressCore {
  const { router, metrics, logger } = parts;
  const inline =
    router && router.responders.size > 0
      ? new ResponderRunner({
          router,
          client: parts.client,
          logger,
          metrics,
          timeoutMs: envInt(
            config.env.RESPOND_TIMEOUT_MS,
            DEFAULT_RESPOND_TIMEOUT_MS,
            "RESPOND_TIMEOUT_MS",
            1,
          ),
        })
      : undefined;
  return new IngressCore({
    publisher: parts.publisher,
    signingSecrets: parts.secrets,
    // No secret: Socket Mode alone (serve() asks for one whenever /slack/events is served).
    signed: parts.secrets.length > 0,
    metrics,
    logger,
    ...(parts.observer ? { observer: parts.observer } : {}),
    ...(inline ? { inline } : {}),
  });
}
