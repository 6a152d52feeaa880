import type { ApiGatewayV1Event, ApiGatewayV2Event } from "../aws/lambda-events.js";
import { signSlackRequest } from "../ingress/signature.js";

export interface SlackLambdaEventOptions {
  /** `url` (a Function URL: v2, `$default`), `v2` (HTTP API), `v1` (API Gateway REST). Default `url`. */
  shape?: "url" | "v2" | "v1";
  /** Default `application/json`; interactions and slash commands are form-encoded. */
  contentType?: string;
  /** As API Gateway passes binary-safe bodies. Default true (what a Function URL sends). */
  base64?: boolean;
  /** Slack's retry headers (`x-slack-retry-num`, `x-slack-retry-reason`). */
  retryNum?: number;
  retryReason?: string;
  path?: string;
}

/**
 * The event a Lambda behind API Gateway or a Function URL receives for `body` as Slack sends it
 * (signed with `secret`), for testing a `lambdaIngress()` handler in process.
 */
export function slackLambdaEvent(
  secret: string,
  body: string,
  options: SlackLambdaEventOptions & { shape: "v1" },
): ApiGatewayV1Event;
export function slackLambdaEvent(
  secret: string,
  body: string,
  options?: SlackLambdaEventOptions & { shape?: "url" | "v2" },
): ApiGatewayV2Event;
export function slackLambdaEvent(
  secret: string,
  body: string,
  options?: SlackLambdaEventOptions,
): ApiGatewayV1Event | ApiGatewayV2Event;
export function slackLambdaEvent(
  secret: string,
  body: string,
  options: SlackLambdaEventOptions = {},
): ApiGatewayV1Event | ApiGatewayV2Event {
  const { shape = "url", base64 = true, path = "/slack/events" } = options;
  const { timestamp, signature } = signSlackRequest(secret, body);
  const headers: Record<string, string> = {
    "content-type": options.contentType ?? "application/json",
    "x-slack-request-timestamp": timestamp,
    "x-slack-signature": signature,
    "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
  };
  if (options.retryNum !== undefined) {
    headers["x-slack-retry-num"] = String(options.retryNum);
    headers["x-slack-retry-reason"] = options.retryReason ?? "http_timeout";
  }
  const encoded = base64 ? Buffer.from(body).toString("base64") : body;
  if (shape === "v1")
    return {
      httpMethod: "POST",
      path,
      headers,
      multiValueHeaders: null,
      body: encoded,
      isBase64Encoded: base64,
    };
  return {
    version: "2.0",
    routeKey: shape === "url" ? "$default" : `POST ${path}`,
    rawPath: path,
    headers,
    body: encoded,
    isBase64Encoded: base64,
    requestContext: { http: { method: "POST", path }, timeEpoch: Date.now() },
  };
}
