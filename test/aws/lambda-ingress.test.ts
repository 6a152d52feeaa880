import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiGatewayV1Event, ApiGatewayV2Event } from "../../src/aws/lambda-events.js";
import { lambdaIngress } from "../../src/aws/lambda-ingress.js";
import { Router } from "../../src/handlers/router.js";
import { signSlackRequest } from "../../src/ingress/signature.js";
import { SqliteQueue } from "../../src/queue/backends/sqlite.js";
import { DeliveryCollector } from "../../src/testing/collector.js";
import { slackLambdaEvent } from "../../src/testing/lambda-events.js";
import { tempDir } from "../helpers/cli.js";
import { eventCallback } from "../helpers/ingress.js";

// The Lambda handler with real API Gateway v1, v2 and Function URL event shapes, on an SQLite queue
// file the test reads back.
const SECRET = "lambda-signing-secret";
const dataDir = tempDir();
const env = {
  SLACK_SIGNING_SECRET: SECRET,
  QUEUE_BACKEND: "sqlite",
  SLACKLINE_DATA_DIR: dataDir,
  LOG_LEVEL: "silent",
};
const handler = lambdaIngress({
  env,
  router: new Router().respond("/deploy", (c) => `Deploying ${c.text}`),
});
let queue: SqliteQueue;
let collector: DeliveryCollector;

beforeAll(async () => {
  queue = await SqliteQueue.fromEnv(env);
  collector = new DeliveryCollector(queue, "slack_events", { group: "test" });
});
afterAll(async () => {
  await collector.stop();
  await queue.close();
});

const signedHeaders = (body: string | Buffer, contentType = "application/json") => {
  const { timestamp, signature } = signSlackRequest(SECRET, body);
  return {
    "Content-Type": contentType,
    "X-Slack-Request-Timestamp": timestamp,
    "X-Slack-Signature": signature,
  };
};

const v1 = (body: string, headers: Record<string, string>, base64 = false): ApiGatewayV1Event => ({
  httpMethod: "POST",
  path: "/slack/events",
  headers,
  multiValueHeaders: null,
  body: base64 ? Buffer.from(body).toString("base64") : body,
  isBase64Encoded: base64,
});

const v2 = (
  body: string,
  headers: Record<string, string>,
  base64 = false,
  routeKey = "POST /slack/events",
): ApiGatewayV2Event => ({
  version: "2.0",
  routeKey,
  rawPath: "/slack/events",
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
  body: base64 ? Buffer.from(body).toString("base64") : body,
  isBase64Encoded: base64,
  requestContext: { http: { method: "POST", path: "/slack/events" }, timeEpoch: Date.now() },
});

describe("lambdaIngress", () => {
  it("API Gateway v1 (REST), mixed-case headers: published, 200", async () => {
    const body = eventCallback({}, "EvLAMBDA1");
    const result = await handler(v1(body, signedHeaders(body)));
    expect(result).toMatchObject({ statusCode: 200, body: "", isBase64Encoded: false });
    expect((await collector.next(5000)).message.id).toBe("EvLAMBDA1");
  });

  it("HTTP API v2 and Function URL ($default), base64 bodies with non-ASCII text, checked over the bytes", async () => {
    const body = eventCallback({ text: "héllo — 東京 🚀" }, "EvLAMBDA2");
    const result = await handler(v2(body, signedHeaders(body), true));
    expect(result.statusCode).toBe(200);
    const urlBody = eventCallback({ text: "naïve café" }, "EvLAMBDA3");
    const url = await handler(v2(urlBody, signedHeaders(urlBody), true, "$default"));
    expect(url.statusCode).toBe(200);
    const got = await collector.take(2, 5000);
    expect(got.map((d) => d.message.id).sort()).toEqual(["EvLAMBDA2", "EvLAMBDA3"]);
    const texts = got.map((d) => (d.message.body as { event: { text: string } }).event.text).sort();
    expect(texts).toEqual(["héllo — 東京 🚀", "naïve café"]);
  });

  it("a body re-encoded from a different string than signed is 401 (the bytes are what count)", async () => {
    const body = eventCallback({ text: "café" }, "EvLAMBDA4");
    const latin1 = Buffer.from(body, "latin1").toString("base64");
    const result = await handler({ ...v2(body, signedHeaders(body)), body: latin1, isBase64Encoded: true });
    expect(result.statusCode).toBe(401);
    expect(result.headers["x-slack-no-retry"]).toBe("1");
  });

  it("slackline/testing's slackLambdaEvent builds each shape, base64 or not, with Slack's retry headers", async () => {
    const shapes = [
      { shape: "url", base64: true },
      { shape: "v2", base64: false },
      { shape: "v1", base64: true },
    ] as const;
    for (const [i, options] of shapes.entries()) {
      const body = eventCallback({ text: "ünïcode" }, `EvHELPER${i}`);
      expect((await handler(slackLambdaEvent(SECRET, body, options))).statusCode).toBe(200);
      expect((await collector.next(5000)).message.id).toBe(`EvHELPER${i}`);
      const retry = slackLambdaEvent(SECRET, body, { ...options, retryNum: 1 });
      expect(retry.headers?.["x-slack-retry-num"]).toBe("1");
      expect((await handler(retry)).statusCode).toBe(200);
    }
    expect(await collector.poll(300)).toBeNull();
    const forged = slackLambdaEvent("another-secret", eventCallback({}, "EvHELPERX"));
    expect((await handler(forged)).statusCode).toBe(401);
  });

  it("Slack's retry is a duplicate: 200 and nothing published twice", async () => {
    const body = eventCallback({}, "EvLAMBDA5");
    expect((await handler(v2(body, signedHeaders(body)))).statusCode).toBe(200);
    const retry = await handler(v2(body, { ...signedHeaders(body), "X-Slack-Retry-Num": "1" }));
    expect(retry.statusCode).toBe(200);
    expect((await collector.next(5000)).message.id).toBe("EvLAMBDA5");
    expect(await collector.poll(300)).toBeNull();
  });

  it("bad input: 405, 415, 413, 401, 400, and nothing published", async () => {
    const body = eventCallback();
    expect((await handler({ ...v1(body, signedHeaders(body)), httpMethod: "GET" })).statusCode).toBe(405);
    expect((await handler(v1(body, signedHeaders(body, "text/plain")))).statusCode).toBe(415);
    const huge = JSON.stringify({ type: "event_callback", pad: "x".repeat(1024 * 1024) });
    expect((await handler(v1(huge, signedHeaders(huge)))).statusCode).toBe(413);
    expect((await handler(v1(body, { "Content-Type": "application/json" }))).statusCode).toBe(401);
    const garbage = "{not json";
    expect((await handler(v1(garbage, signedHeaders(garbage)))).statusCode).toBe(400);
    expect(await handler({ nothing: true } as never)).toMatchObject({ statusCode: 400 });
    expect(await collector.poll(300)).toBeNull();
  });

  it("a responder answers a slash command inline, and the command is queued", async () => {
    const body = new URLSearchParams({
      command: "/deploy",
      text: "api",
      team_id: "T1",
      trigger_id: "lambda.1",
    }).toString();
    const result = await handler(v1(body, signedHeaders(body, "application/x-www-form-urlencoded")));
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe("Deploying api");
    expect((await collector.next(5000)).message.kind).toBe("command");
  });
});
