import type { IngressHeaders } from "../ingress/request.js";

/** An API Gateway REST API (v1) proxy event: the fields Slackline reads. */
export interface ApiGatewayV1Event {
  httpMethod: string;
  path?: string;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

/** An HTTP API (v2) or Lambda Function URL event (`routeKey` `$default`): the fields Slackline reads. */
export interface ApiGatewayV2Event {
  version: "2.0";
  routeKey?: string;
  rawPath?: string;
  headers?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext: { http: { method: string; path?: string }; timeEpoch?: number };
}

export type LambdaHttpEvent = ApiGatewayV1Event | ApiGatewayV2Event;

/** What every shape of event gives the ingress. */
export interface HttpRequestParts {
  method: string;
  headers: IngressHeaders;
  /** The body's bytes: a base64 body decoded, so the signature is checked over what Slack sent. */
  body: Buffer;
}

export interface LambdaHttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

const isV2 = (event: LambdaHttpEvent): event is ApiGatewayV2Event =>
  (event as ApiGatewayV2Event).version === "2.0" &&
  typeof (event as ApiGatewayV2Event).requestContext?.http === "object";

/** Header names as HTTP has them, lower-case; v1's may come in any case. */
function lowerCased(headers: Record<string, string | undefined> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) out[name.toLowerCase()] = value;
  return out;
}

/** The method, headers and body bytes of an API Gateway v1, v2 or Function URL event. */
export function requestOf(event: LambdaHttpEvent): HttpRequestParts {
  const method = isV2(event) ? event.requestContext.http.method : event.httpMethod;
  const raw = event.body ?? "";
  const body = event.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  return { method: method.toUpperCase(), headers: lowerCased(event.headers), body };
}

/** True for an event this handler can read (anything else is a misrouted invocation). */
export function isLambdaHttpEvent(event: unknown): event is LambdaHttpEvent {
  if (typeof event !== "object" || event === null) return false;
  const e = event as Record<string, unknown>;
  return typeof e.httpMethod === "string" || (e.version === "2.0" && typeof e.requestContext === "object");
}
