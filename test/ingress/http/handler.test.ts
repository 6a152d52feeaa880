import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Envelope } from "../../../src/envelope/envelope.js";
import { interactionForm } from "../../../src/testing/slack-request.js";
import { eventCallback, startTestIngress, type TestIngress } from "../../helpers/ingress.js";
import { RecordingQueue } from "../../helpers/recording-queue.js";

let queue: RecordingQueue;
let ingress: TestIngress;

beforeEach(async () => {
  queue = new RecordingQueue();
  ingress = await startTestIngress(queue, { maxBodyBytes: 64 * 1024 });
});
afterEach(async () => {
  await ingress.close();
  await queue.close();
});

const form = "application/x-www-form-urlencoded";

describe("accepted traffic", () => {
  it("publishes an Events API callback as a v1 envelope and answers 200", async () => {
    const body = eventCallback({}, "EvACCEPT1");
    const res = await ingress.post(body);
    expect(res.status).toBe(200);
    expect(queue.published).toHaveLength(1);
    const envelope = queue.published[0]!;
    expect(envelope).toMatchObject({
      v: 1,
      id: "EvACCEPT1",
      kind: "event",
      retry_num: 0,
      retry_reason: null,
      team_id: "T0001",
    });
    expect(envelope.body).toEqual(JSON.parse(body));
    expect(Math.abs(envelope.received_at - Date.now())).toBeLessThan(5000);
  });

  it("accepts content types with parameters", async () => {
    const res = await ingress.post(eventCallback(), { contentType: "application/json; charset=utf-8" });
    expect(res.status).toBe(200);
    expect(queue.published).toHaveLength(1);
  });

  it("takes Slack's retry headers into the envelope", async () => {
    const res = await ingress.post(eventCallback({}, "EvRETRY"), {
      headers: { "x-slack-retry-num": "2", "x-slack-retry-reason": "http_timeout" },
    });
    expect(res.status).toBe(200);
    expect(queue.published[0]).toMatchObject({ retry_num: 2, retry_reason: "http_timeout" });
  });

  it("publishes an interaction (payload= form) keyed by its trigger_id", async () => {
    const payload = {
      type: "block_actions",
      trigger_id: "123.456.abc",
      user: { id: "U1" },
      team: { id: "T9" },
      actions: [],
    };
    const res = await ingress.post(interactionForm(payload), {
      contentType: form,
    });
    expect(res.status).toBe(200);
    expect(queue.published[0]).toMatchObject({
      id: "123.456.abc",
      kind: "interaction",
      team_id: "T9",
      body: payload,
    });
  });

  it("publishes a slash command (form) with a stable id when it has no trigger_id", async () => {
    const body = "command=%2Fdeploy&text=prod&team_id=T1&channel_id=C1&user_id=U1&response_url=x";
    expect((await ingress.post(body, { contentType: form })).status).toBe(200);
    expect((await ingress.post(body, { contentType: form })).status).toBe(200);
    expect(queue.published).toHaveLength(1);
    expect(queue.published[0]).toMatchObject({
      kind: "command",
      team_id: "T1",
      body: { command: "/deploy", text: "prod" },
    });
  });

  it("echoes url_verification's challenge and publishes nothing", async () => {
    const res = await ingress.post(
      JSON.stringify({ type: "url_verification", challenge: "ch4llenge", token: "t" }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ch4llenge");
    expect(queue.published).toHaveLength(0);
  });

  it("answers ssl_check=1 with 200 and publishes nothing", async () => {
    const res = await ingress.post("ssl_check=1&token=abc", { contentType: form });
    expect(res.status).toBe(200);
    expect(queue.published).toHaveLength(0);
  });
});

describe("dedup of Slack's retries", () => {
  it("publishes an event_id once; a retry answers 200 and publishes nothing", async () => {
    const body = eventCallback({}, "EvDUP");
    expect((await ingress.post(body)).status).toBe(200);
    const retry = await ingress.post(body, {
      headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" },
    });
    expect(retry.status).toBe(200);
    expect(queue.published).toHaveLength(1);
  });

  it("four copies at once: one publish, four 200s", async () => {
    const body = eventCallback({}, "EvFOUR");
    const statuses = await Promise.all(
      [0, 1, 2, 3].map((n) =>
        ingress.post(body, { headers: { "x-slack-retry-num": String(n) } }).then((r) => r.status),
      ),
    );
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(queue.published).toHaveLength(1);
  });

  it("a failed publish answers 503 with Retry-After, releases the claim, and Slack's retry is accepted", async () => {
    const body = eventCallback({}, "EvOUTAGE");
    queue.failPublishes = true;
    const failed = await ingress.post(body);
    expect(failed.status).toBe(503);
    expect(Number(failed.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(failed.headers.get("x-slack-no-retry")).toBeNull();
    expect(queue.published).toHaveLength(0);
    queue.failPublishes = false;
    const retried = await ingress.post(body, { headers: { "x-slack-retry-num": "1" } });
    expect(retried.status).toBe(200);
    expect(queue.published).toHaveLength(1);
  });
});

describe("a backend's own publishOnce", () => {
  it("one that throws instead of rejecting gets a 503, and the gateway keeps serving", async () => {
    class ThrowingQueue extends RecordingQueue {
      throwNow = true;
      override publishOnce(topic: string, message: Envelope, ttl: number): Promise<string | null> {
        if (this.throwNow) throw new Error("plugin bug: threw synchronously");
        return super.publishOnce(topic, message, ttl);
      }
    }
    const throwing = new ThrowingQueue();
    const own = await startTestIngress(throwing, { dedup: null });
    try {
      const body = eventCallback({}, "EvTHROWS");
      expect((await own.post(body)).status).toBe(503);
      throwing.throwNow = false;
      expect((await own.post(body, { headers: { "x-slack-retry-num": "1" } })).status).toBe(200);
      expect(throwing.published.map((e) => e.id)).toEqual(["EvTHROWS"]);
    } finally {
      await own.close();
    }
  });
});

describe("bad input: clear status, X-Slack-No-Retry, nothing published", () => {
  // Computed when each request is made: the suite may start seconds after this file loads.
  // Well outside the 300 s window: a timestamp 301 s ahead is back inside it when the clock's second
  // turns while the request is on its way (seen once in CI).
  const stale = () => Math.floor(Date.now() / 1000) - 330;
  const future = () => Math.floor(Date.now() / 1000) + 330;
  const cases: Array<[string, number, () => Promise<Response>]> = [
    ["wrong method", 405, () => ingress.post("", { method: "GET" })],
    ["PUT", 405, () => ingress.post(eventCallback(), { method: "PUT" })],
    ["unsupported content type", 415, () => ingress.post(eventCallback(), { contentType: "text/plain" })],
    ["missing content type", 415, () => ingress.post(eventCallback(), { contentType: "" })],
    ["body over the limit", 413, () => ingress.post(eventCallback({ text: "x".repeat(70 * 1024) }))],
    ["missing signature", 401, () => ingress.post(eventCallback(), { unsigned: true })],
    ["wrong secret", 401, () => ingress.post(eventCallback(), { secret: "not-the-secret" })],
    ["stale timestamp", 401, () => ingress.post(eventCallback(), { timestamp: stale() })],
    ["timestamp from the future", 401, () => ingress.post(eventCallback(), { timestamp: future() })],
    [
      "non-numeric timestamp",
      401,
      () => ingress.post(eventCallback(), { headers: { "x-slack-request-timestamp": "soon" } }),
    ],
    ["malformed JSON", 400, () => ingress.post("{not json")],
    ["JSON that is not an object", 400, () => ingress.post("[1,2]")],
    [
      "event_callback without event_id",
      400,
      () => ingress.post(JSON.stringify({ type: "event_callback", event: { type: "x" } })),
    ],
    [
      "interaction payload that is not JSON",
      400,
      () => ingress.post("payload=%7Bnope", { contentType: form }),
    ],
    ["form that is neither", 400, () => ingress.post("hello=world", { contentType: form })],
    ["unknown path", 404, () => ingress.post(eventCallback(), { path: "/slack/other" })],
  ];
  for (const [name, status, send] of cases) {
    it(`${name} -> ${status}`, async () => {
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.headers.get("x-slack-no-retry")).toBe("1");
      expect(queue.published).toHaveLength(0);
    });
  }

  it("a tampered body with a valid-looking signature is 401", async () => {
    const body = eventCallback({}, "EvTAMPER");
    const res = await fetch(`${ingress.url}/slack/events`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-slack-request-timestamp": String(Math.floor(Date.now() / 1000)),
        "x-slack-signature": `v0=${"0".repeat(64)}`,
      },
      body,
    });
    expect(res.status).toBe(401);
    expect(queue.published).toHaveLength(0);
  });

  it("counts rejections by reason in /metrics", async () => {
    await ingress.post(eventCallback(), { unsigned: true });
    await ingress.post("{", {});
    const text = await (await fetch(`${ingress.url}/metrics`)).text();
    expect(text).toMatch(/slackline_requests_total\{outcome="rejected",reason="signature_missing"\} 1/);
    expect(text).toMatch(/slackline_requests_total\{outcome="rejected",reason="malformed"\} 1/);
  });
});

describe("health", () => {
  it("/healthz is 200; /readyz follows the backend", async () => {
    expect((await fetch(`${ingress.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${ingress.url}/readyz`)).status).toBe(200);
    queue.failPublishes = true;
    expect((await fetch(`${ingress.url}/readyz`)).status).toBe(503);
  });
});
