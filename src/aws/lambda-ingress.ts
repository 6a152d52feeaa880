import type { IngressCore } from "../ingress/core.js";
import { DEFAULT_MAX_BODY_BYTES } from "../ingress/http/body.js";
import { bodyFormat } from "../ingress/parse.js";
import {
  bodyTooLarge,
  type IngressResult,
  rejected,
  UNSUPPORTED_CONTENT_TYPE,
  WRONG_METHOD,
} from "../ingress/results.js";
import {
  isLambdaHttpEvent,
  type LambdaHttpEvent,
  type LambdaHttpResult,
  requestOf,
} from "./lambda-events.js";
import type { LambdaIngressOptions } from "./options.js";

export type { LambdaIngressOptions };

export type LambdaIngressHandler = (event: LambdaHttpEvent) => Promise<LambdaHttpResult>;

const NOT_AN_HTTP_EVENT = rejected("malformed", "not an API Gateway or Function URL event");

const asLambdaResult = (result: IngressResult): LambdaHttpResult => ({
  statusCode: result.status,
  headers: result.headers as Record<string, string>,
  body: result.body,
  isBase64Encoded: false,
});

/**
 * A Lambda handler for Slack's requests behind API Gateway (REST v1, HTTP API v2) or a Function URL:
 * the same ingress core as the HTTP server (same statuses, dedup, responders; never a 2xx unless the
 * publish is durable). Its parts (backend, dedup store, core) are made on the first invocation and
 * kept while the execution environment lives; only the configured backend's client is loaded.
 */
export function lambdaIngress(options: LambdaIngressOptions = {}): LambdaIngressHandler {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const tooLarge = bodyTooLarge(maxBody);
  let core: Promise<IngressCore> | null = null;
  const coreOnce = (): Promise<IngressCore> => {
    core ??= import("./lambda-runtime.js").then((m) => m.openLambdaIngress(options));
    // A failed start (an unreachable backend) is retried on the next invocation, not remembered.
    core.catch(() => {
      core = null;
    });
    return core;
  };

  return async (event) => {
    if (!isLambdaHttpEvent(event)) return asLambdaResult(NOT_AN_HTTP_EVENT);
    const { method, headers, body } = requestOf(event);
    if (method !== "POST") return asLambdaResult(WRONG_METHOD);
    const format = bodyFormat(
      typeof headers["content-type"] === "string" ? headers["content-type"] : undefined,
    );
    if (!format) return asLambdaResult(UNSUPPORTED_CONTENT_TYPE);
    if (body.length > maxBody) return asLambdaResult(tooLarge);
    const ingress = await coreOnce();
    return asLambdaResult(await ingress.handle({ headers, rawBody: body, receivedAt: Date.now(), format }));
  };
}
