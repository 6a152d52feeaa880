import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import type { DeadLetterPage, SessionInfo, Snapshot } from "../../src/dashboard/api-types.js";
import { createDashboard } from "../../src/dashboard/dashboard.js";
import { RecentEvents } from "../../src/dashboard/recent-events.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { MemoryQueue } from "../../src/queue/backends/memory.js";
import { sampleEnvelope } from "../../src/testing/envelopes.js";
import { until } from "../helpers/wait.js";
import { cookieOf, raw, startDashboard, type TestDashboard, TOKEN } from "./helpers.js";

const running: TestDashboard[] = [];
const start = async (options: Parameters<typeof startDashboard>[0] = {}) => {
  const d = await startDashboard(options);
  running.push(d);
  return d;
};
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
});

const json = (body: string) => JSON.parse(body) as unknown;

describe("dashboard over HTTP", () => {
  it("refuses a Host it does not know (DNS rebinding), on every path, before anything else", async () => {
    const d = await start();
    for (const path of [
      "/dashboard/",
      "/dashboard/api/snapshot",
      "/dashboard/login",
      "/dashboard/assets/x.js",
    ]) {
      const res = await raw(`${d.url}${path}`, { headers: { host: `rebound.evil.example:${d.port}` } });
      expect(res.status, path).toBe(403);
      expect(res.body).toContain("DNS-rebinding");
    }
    expect(
      (await raw(`${d.url}/dashboard/api/snapshot`, { headers: { host: `localhost:${d.port}` } })).status,
    ).toBe(200);
  });

  it("serves the page with a Content-Security-Policy that forbids inline scripts, and answers only /dashboard paths", async () => {
    const d = await start();
    const page = await raw(`${d.url}/dashboard/`);
    expect(page.status).toBe(200);
    const csp = String(page.headers["content-security-policy"]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    // Every script is a file of the dashboard's own.
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const script = /<script[^>]+src="([^"]+)"/.exec(page.body)![1]!;
    const asset = await raw(`${d.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers["content-type"]).toContain("javascript");
    expect(asset.headers["cache-control"]).toContain("immutable");
    expect((await raw(`${d.url}/dashboard`)).headers.location).toBe("/dashboard/");
    expect((await raw(`${d.url}/dashboarding`)).status).toBe(404); // not ours: the server's own 404
    expect((await raw(`${d.url}/dashboard/assets/nope.js`)).status).toBe(404);
  });

  it("without a token on loopback: open, but a replay or purge needs the CSRF token, JSON and the same origin", async () => {
    const d = await start();
    const e = sampleEnvelope();
    await d.backend.publish("slack_events", e);
    for await (const delivery of d.backend.consume("slack_events", { group: "default" })) {
      await delivery.deadLetter("app_mention#0: Error: boom");
      break;
    }
    const session = json((await raw(`${d.url}/dashboard/api/session`)).body) as SessionInfo;
    expect(session).toMatchObject({ auth: "open", tokenRequired: false });
    const page = json((await raw(`${d.url}/dashboard/api/dead-letters?text=boom`)).body) as DeadLetterPage;
    expect(page.items.map((r) => r.eventId)).toEqual([e.id]);
    const id = page.items[0]!.id;
    const body = JSON.stringify({ ids: [id] });
    const post = (headers: Record<string, string>) =>
      raw(`${d.url}/dashboard/api/dead-letters/purge`, { method: "POST", headers, body });
    expect((await post({ "content-type": "application/json" })).status).toBe(403);
    expect((await post({ "content-type": "application/json", "x-csrf-token": "forged" })).status).toBe(403);
    expect(
      (await post({ "content-type": "text/plain", "x-csrf-token": session.csrf })).status,
      "a form-like content type",
    ).toBe(415);
    expect(
      (
        await post({
          "content-type": "application/json",
          "x-csrf-token": session.csrf,
          origin: "https://evil.example",
        })
      ).status,
    ).toBe(403);
    expect((await raw(`${d.url}/dashboard/api/dead-letters/purge`)).status, "GET").toBe(405);
    const bad = await raw(`${d.url}/dashboard/api/dead-letters/purge`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": session.csrf },
      body: JSON.stringify({}),
    });
    expect(bad.status, "neither ids nor a filter").toBe(400);
    const huge = await raw(`${d.url}/dashboard/api/dead-letters/purge`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": session.csrf },
      body: JSON.stringify({ ids: [id], pad: "x".repeat(1024 * 1024) }),
    });
    expect(huge.status, "a body over 1 MiB").toBe(413);
    expect((await d.backend.listDeadLetters("slack_events")).length).toBe(1);
    const ok = await post({
      "content-type": "application/json",
      "x-csrf-token": session.csrf,
      origin: d.url,
    });
    expect(ok.status).toBe(200);
    expect(json(ok.body)).toEqual({ count: 1, requested: 1 });
    expect(await d.backend.listDeadLetters("slack_events")).toEqual([]);
  });

  it("with a token: the page sends a stranger to the login form, the API answers 401, the login sets a strict cookie", async () => {
    const d = await start({ token: TOKEN });
    const page = await raw(`${d.url}/dashboard/`);
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe("/dashboard/login");
    expect((await raw(`${d.url}/dashboard/login`)).status).toBe(200);
    expect((await raw(`${d.url}/dashboard/api/snapshot`)).status).toBe(401);
    expect(
      (
        await raw(`${d.url}/dashboard/api/snapshot`, {
          headers: { authorization: "Bearer wrong-token-value" },
        })
      ).status,
    ).toBe(401);
    expect(
      (await raw(`${d.url}/dashboard/api/snapshot`, { headers: { cookie: "slackline_dashboard=forged" } }))
        .status,
    ).toBe(401);

    const form = { "content-type": "application/x-www-form-urlencoded" };
    const wrong = await raw(`${d.url}/dashboard/login`, {
      method: "POST",
      headers: form,
      body: "token=nope",
    });
    expect(wrong.status).toBe(303);
    expect(wrong.headers.location).toBe("/dashboard/login?failed=1");
    expect(wrong.headers["set-cookie"]).toBeUndefined();

    const login = await raw(`${d.url}/dashboard/login`, {
      method: "POST",
      headers: form,
      body: `token=${TOKEN}`,
    });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe("/dashboard/");
    const setCookie = String(login.headers["set-cookie"]?.[0]);
    expect(setCookie).toMatch(/^slackline_dashboard=[\w-]{20,};/);
    for (const attribute of ["HttpOnly", "SameSite=Strict", "Path=/dashboard"])
      expect(setCookie).toContain(attribute);
    const cookie = cookieOf(login);
    expect((await raw(`${d.url}/dashboard/`, { headers: { cookie } })).status).toBe(200);
    const session = json(
      (await raw(`${d.url}/dashboard/api/session`, { headers: { cookie } })).body,
    ) as SessionInfo;
    expect(session).toMatchObject({ auth: "cookie", tokenRequired: true });

    // A bearer token works for scripts, and needs no CSRF token (no browser sends one by itself).
    const bearer = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
    const replay = await raw(`${d.url}/dashboard/api/dead-letters/replay`, {
      method: "POST",
      headers: bearer,
      body: JSON.stringify({ filter: {} }),
    });
    expect(json(replay.body)).toEqual({ count: 0, requested: 0 });
    // A cookie does need it; and signing out ends the session.
    const logout = (headers: Record<string, string>) =>
      raw(`${d.url}/dashboard/logout`, { method: "POST", headers });
    expect((await logout({ cookie })).status).toBe(403);
    expect((await logout({ cookie, "x-csrf-token": session.csrf })).status).toBe(204);
    expect((await raw(`${d.url}/dashboard/api/snapshot`, { headers: { cookie } })).status).toBe(401);
  });

  it("throttles logins after repeated failures", async () => {
    const d = await start({ token: TOKEN });
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push(
        (await raw(`${d.url}/dashboard/login`, { method: "POST", headers: form, body: "token=x" })).status,
      );
    expect(statuses.slice(0, 10).every((s) => s === 303)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    // Even the right token waits out the minute.
    expect(
      (await raw(`${d.url}/dashboard/login`, { method: "POST", headers: form, body: `token=${TOKEN}` }))
        .status,
    ).toBe(429);
  });

  it("refuses to be reachable beyond loopback without a token, and refuses a short token", () => {
    const options = {
      backend: new MemoryQueue(),
      topic: "t",
      groups: [],
      metrics: new Metrics(),
      logger: silentLogger,
      recent: new RecentEvents(),
      info: { version: "x", backend: "memory", startedAt: 0, ready: async () => {} },
    };
    expect(() => createDashboard({ ...options, host: "0.0.0.0" })).toThrow(ConfigError);
    expect(() => createDashboard({ ...options, host: "192.168.1.5", token: "" })).toThrow(
      /SLACKLINE_DASHBOARD_TOKEN/,
    );
    expect(() => createDashboard({ ...options, host: "0.0.0.0", token: "short" })).toThrow(/at least 16/);
  });

  it("streams a snapshot, then a tick a second with the queue figures; close() ends the stream", async () => {
    const d = await start();
    d.metrics.requests.labels("accepted", "").inc(5);
    // The group exists once it has consumed; then it holds what is published.
    await d.backend.publish("slack_events", sampleEnvelope());
    for await (const delivery of d.backend.consume("slack_events", { group: "default" })) {
      await delivery.ack();
      break;
    }
    await d.backend.publish("slack_events", sampleEnvelope());
    const controller = new AbortController();
    const response = await fetch(`${d.url}/dashboard/api/stream`, { signal: controller.signal });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const events = () =>
      [...text.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map((m) => ({
        event: m[1],
        data: JSON.parse(m[2]!),
      }));
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value);
      }
    })();
    await until(() => events().some((e) => e.event === "tick" && e.data.groups[0]?.queue.depth === 1), 5000);
    const snapshot = events()[0]!;
    expect(snapshot.event).toBe("snapshot");
    expect((snapshot.data as Snapshot).overview).toMatchObject({
      backend: "memory",
      topic: "slack_events",
      mode: "start",
    });
    const ticks = events().filter((e) => e.event === "tick");
    expect(ticks.some((t) => t.data.overview.totals.requests.accepted === 5)).toBe(true);
    expect(ticks.at(-1)!.data.overview.readiness.ok).toBe(true);
    await d.dashboard.close();
    await reading; // the server ended it
    controller.abort();
  });
});
