import { ConfigError } from "../config/config-error.js";
import type { Envelope } from "../envelope/envelope.js";
import type { FlowObserver } from "../observability/flow.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { ThrottledLog } from "../observability/throttled-log.js";
import type { InlineAnswers, PendingAnswer } from "./inline.js";
import { bodyFormat, isSslCheck, parseSlackBody } from "./parse.js";
import type { IngressPublisher, PublishOutcome } from "./publisher.js";
import { envelopeOf, headerValue, type IngressRequest, retryOf } from "./request.js";
import {
  ACCEPTED,
  challengeAnswer,
  DUPLICATE,
  EXPLAIN_HEADER,
  explained,
  type IngressResult,
  rejected,
  SIGNATURE_REJECTED,
  SSL_CHECK_OK,
  UNSUPPORTED_CONTENT_TYPE,
  unavailable,
  withAnswer,
} from "./results.js";
import { checkSlackSignature, SigningKey, type VerifyFailure } from "./signature.js";

/** Signature failures are summed up in one warning a minute (a wrong secret fails every request). */
const SIGNATURE_WARN_EVERY_MS = 60_000;

export interface IngressCoreOptions {
  publisher: IngressPublisher;
  /** Several secrets are accepted at once while a secret is rotated. Empty only with `signed: false`. */
  signingSecrets: readonly string[];
  /**
   * False for a core that only takes deliveries its transport authenticated otherwise (Socket Mode
   * without HTTP): no secret is needed, and handle() turns every request away as unsigned.
   */
  signed?: boolean;
  metrics: Metrics;
  logger: Logger;
  /** Seconds Slack is asked to wait after a 503. */
  retryAfterSeconds?: number;
  observer?: FlowObserver;
  /** Responders: answers Slack reads from the response (options, modal validation, command replies). */
  inline?: InlineAnswers;
}

/**
 * The ingress every transport shares: verify -> parse -> url_verification / ssl_check -> dedup claim
 * -> durable publish -> the answer. It knows nothing of node:http, Lambda or WebSockets: an adapter
 * hands it `{headers, rawBody, receivedAt}` and writes back the result. Only a delivery waits (for its
 * publish); everything else is answered synchronously.
 */
export class IngressCore {
  private readonly keys: SigningKey[];
  private readonly publisher: IngressPublisher;
  private readonly logger: Logger;
  private readonly observer: FlowObserver | undefined;
  private readonly unavailableResult: IngressResult;
  private readonly publishFailed: ThrottledLog<{ id: string; err: unknown }>;
  private readonly badSignatures: ThrottledLog<VerifyFailure>;
  private readonly badSignatureReasons: Record<VerifyFailure, number> = { missing: 0, stale: 0, mismatch: 0 };
  // Label children resolved once: the hot path only increments.
  private readonly counters: {
    accepted: { inc(): void };
    duplicate: { inc(): void };
    unavailable: { inc(): void };
    publishFailures: { inc(): void };
  };

  constructor(private readonly options: IngressCoreOptions) {
    const { signingSecrets, metrics, logger } = options;
    if (signingSecrets.length === 0 && options.signed !== false)
      throw new ConfigError("at least one Slack signing secret is required");
    this.keys = signingSecrets.map((secret) => new SigningKey(secret));
    this.publisher = options.publisher;
    this.logger = logger;
    this.observer = options.observer;
    this.unavailableResult = unavailable(options.retryAfterSeconds ?? 5);
    this.counters = {
      accepted: metrics.requests.labels("accepted", ""),
      duplicate: metrics.requests.labels("duplicate", ""),
      unavailable: metrics.requests.labels("unavailable", ""),
      publishFailures: metrics.publishFailures,
    };
    this.publishFailed = new ThrottledLog(5000, ({ id, err }, heldBack) => {
      logger.warn(
        { id, err, failures_since_last_warning: heldBack },
        "publish failed; answering 503 so Slack retries",
      );
    });
    this.badSignatures = new ThrottledLog(
      SIGNATURE_WARN_EVERY_MS,
      (_last, heldBack, reason) => {
        const n = heldBack + (reason === "hit" ? 1 : 0);
        const byReason = { ...this.badSignatureReasons };
        this.badSignatureReasons.missing =
          this.badSignatureReasons.stale =
          this.badSignatureReasons.mismatch =
            0;
        logger.warn(
          { failures: n, by_reason: byReason },
          `${n} request${n === 1 ? "" : "s"} failed signature verification in the last minute: is SLACK_SIGNING_SECRET right?`,
        );
      },
      Date.now,
      { flush: true },
    );
  }

  /** One Slack request from any transport that carries Slack's signature (HTTP, Lambda). */
  handle(request: IngressRequest): IngressResult | Promise<IngressResult> {
    const { headers, rawBody } = request;
    const format = request.format ?? bodyFormat(headerValue(headers, "content-type"));
    if (!format) return this.count(UNSUPPORTED_CONTENT_TYPE);
    if (isSslCheck(format, rawBody)) return this.count(SSL_CHECK_OK);
    const failure = checkSlackSignature(this.keys, {
      timestamp: headerValue(headers, "x-slack-request-timestamp"),
      signature: headerValue(headers, "x-slack-signature"),
      body: rawBody,
    });
    if (failure) {
      this.badSignatureReasons[failure]++;
      this.badSignatures.hit(failure);
      return this.count(SIGNATURE_REJECTED[failure]);
    }
    const text = rawBody.toString("utf8");
    const parsed = parseSlackBody(format, text);
    switch (parsed.type) {
      case "malformed":
        return this.count(rejected("malformed", `malformed body: ${parsed.reason}`));
      case "url_verification":
        return this.count(challengeAnswer(parsed.challenge));
      case "ssl_check":
        return this.count(SSL_CHECK_OK);
      case "delivery": {
        // A JSON body (or an interaction's JSON payload) is kept as it came; a command's form
        // fields become JSON in the envelope.
        const envelope = envelopeOf(
          parsed,
          retryOf(headers),
          request.receivedAt,
          format === "json" ? text : (parsed.json ?? null),
        );
        const result = this.accept(envelope);
        // `slackline send` asks what happened (a header Slack never sends): only it pays for the answer.
        if (headerValue(headers, EXPLAIN_HEADER) === undefined) return result;
        return result.then((done) => explained(done, envelope.id));
      }
    }
  }

  /**
   * A verified delivery (a transport that authenticates otherwise, such as Socket Mode, starts here):
   * dedup + durable publish, then the answer. Never rejects: a failed publish is a 503.
   */
  accept(envelope: Envelope): Promise<IngressResult> {
    const pending = this.options.inline?.answer(envelope);
    return pending ? this.acceptWithAnswer(envelope, pending) : this.publish(envelope);
  }

  /**
   * The publish and the responder run together; Slack gets the responder's answer only once the
   * publish is durable (a failed publish is a 503, and no answer leaks). A lookup that no queued
   * route wants is answered without a publish.
   */
  private acceptWithAnswer(envelope: Envelope, pending: PendingAnswer): Promise<IngressResult> {
    if (!pending.queue) {
      return pending.answer.then((answer) => this.count(withAnswer("answered", envelope.id, answer)));
    }
    return Promise.all([this.publish(envelope), pending.answer]).then(([queued, answer]) =>
      queued.outcome === "unavailable" ? queued : withAnswer(queued.outcome, envelope.id, answer),
    );
  }

  private publish(envelope: Envelope): Promise<IngressResult> {
    return this.publisher.publish(envelope).then(
      (outcome) => this.published(envelope, outcome),
      (err: unknown) => this.failed(envelope, err),
    );
  }

  private published(envelope: Envelope, outcome: PublishOutcome): IngressResult {
    const accepted = outcome === "published";
    (accepted ? this.counters.accepted : this.counters.duplicate).inc();
    this.observer?.received?.(envelope, accepted ? "accepted" : "duplicate");
    if (this.logger.isLevelEnabled("debug"))
      this.logger.debug({ id: envelope.id, kind: envelope.kind, outcome }, "slack request");
    return accepted ? ACCEPTED : DUPLICATE;
  }

  private failed(envelope: Envelope, err: unknown): IngressResult {
    this.counters.publishFailures.inc();
    this.counters.unavailable.inc();
    this.publishFailed.hit({ id: envelope.id, err });
    return this.unavailableResult;
  }

  /** Counts an answer that needed no publish. */
  private count(result: IngressResult): IngressResult {
    this.options.metrics.requests.labels(result.outcome, result.reason ?? "").inc();
    return result;
  }
}
