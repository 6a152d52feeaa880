// The dashboard over a real ingress and a real worker in this process, in headless Chromium: the
// recent-events view (both report to it as its FlowObserver, as in slackline start), bulk replay of
// a filtered set, and the README's screenshot.
import { copyFileSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDashboard, type Dashboard } from "../../src/dashboard/dashboard.js";
import { RecentEvents } from "../../src/dashboard/recent-events.js";
import { MemoryDedupStore } from "../../src/dedup/memory.js";
import { Router } from "../../src/handlers/router.js";
import { IngressCore } from "../../src/ingress/core.js";
import { createHttpIngress } from "../../src/ingress/http/handler.js";
import { listen, type RunningServer } from "../../src/ingress/http/listen.js";
import { IngressPublisher } from "../../src/ingress/publisher.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { SqliteQueue } from "../../src/queue/backends/sqlite.js";
import { Worker } from "../../src/worker/worker.js";
import { type Browser, chromiumMissing, launchChromium } from "../helpers/browser.js";
import { ROOT, tempDir } from "../helpers/cli.js";
import { eventCallback } from "../helpers/ingress.js";
import { postSignedEvent } from "../helpers/slack-http.js";
import { sleep, until } from "../helpers/wait.js";

const SECRET = "dashboard-page-secret";
const TOPIC = "slack_events";
const missing = chromiumMissing();

/** A datetime-local input's value for a moment, in the browser's (this machine's) time zone. */
const localInput = (ms: number) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
};

describe.skipIf(missing !== null)("dashboard page over a live ingress and worker (headless Chromium)", () => {
  const dir = tempDir("slackline-dash-page-");
  const backend = new SqliteQueue({ path: join(dir, "queue.db") });
  const metrics = new Metrics();
  const recent = new RecentEvents();
  let failing = true;
  const ran: string[] = [];
  let dashboard: Dashboard;
  let server: RunningServer;
  let worker: Worker;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    dashboard = createDashboard({
      backend,
      topic: TOPIC,
      groups: ["default"],
      metrics,
      logger: silentLogger,
      recent,
      dedup: null,
      info: {
        version: "0.1.0",
        backend: backend.name,
        startedAt: Date.now() - 3_725_000,
        ready: () => backend.ping(),
        mode: "start",
      },
      host: "127.0.0.1",
    });
    const core = new IngressCore({
      publisher: new IngressPublisher(backend, TOPIC, 3600, null),
      signingSecrets: [SECRET],
      metrics,
      logger: silentLogger,
      observer: recent,
    });
    server = await listen(createHttpIngress({ core, metrics, routes: [dashboard.handle] }), 0, "127.0.0.1");
    const router = new Router();
    router.appMention(async (event, ctx) => {
      await sleep(2 + Math.random() * 8);
      if (failing && event.text.includes("fail")) throw new Error("upstream said no (502)");
      ran.push(ctx.envelope.id);
    });
    router.on("reaction_added", () => {});
    worker = new Worker({
      backend,
      observer: recent,
      topic: TOPIC,
      group: "default",
      router,
      markers: new MemoryDedupStore(),
      metrics,
      logger: silentLogger,
      maxAttempts: 2,
      backoff: { baseMs: 20, capMs: 40 },
    });
    void worker.start();
    browser = await launchChromium();
    page = await browser.page();
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await server?.close();
    await worker?.stop(1000);
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = async (event: Record<string, unknown>, eventId?: string) => {
    const body = eventCallback(event, eventId);
    expect(await postSignedEvent(server.url, SECRET, body)).toBe(200);
    return (JSON.parse(body) as { event_id: string }).event_id;
  };

  it("shows recent events with their envelope redacted and what each group did", async () => {
    await page.goto(`${server.url}/dashboard/`);
    await until(async () => (await page.textContent("#connection")) === "live", 10_000);
    // A few seconds of traffic: mentions, reactions, Slack's retries (duplicates), a forged signature.
    const ids: string[] = [];
    for (let second = 0; second < 4; second++) {
      for (let i = 0; i < 6 + second * 3; i++) ids.push(await send({ text: `hello ${i}` }));
      await send({
        type: "reaction_added",
        user: "U2",
        reaction: "eyes",
        item: { type: "message", channel: "C1", ts: "1.2" },
      });
      await send({ text: "again" }, ids[ids.length - 1]);
      await fetch(`${server.url}/slack/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      await sleep(1000);
    }
    const mention = ids[ids.length - 2]!;
    await page.locator(`#recent-list tr[data-event-id="${mention}"] button`).click();
    const result = page.locator("#lookup-result");
    await until(async () => ((await result.textContent()) ?? "").includes("default: acked"), 10_000);
    const shown = (await result.textContent()) ?? "";
    expect(shown).toContain(mention);
    expect(shown).toContain("[redacted]");
    expect(shown).not.toContain('"legacy"'); // the Events API body's verification token
    expect(shown).toContain("app_mention");
  });

  it("lists failures, and replays everything that failed with this error since a moment, from the page", async () => {
    const since = Date.now() - 1000;
    const failed = [
      await send({ text: "please fail" }),
      await send({ text: "fail too" }),
      await send({ text: "fail once more" }),
    ];
    await until(async () => (await page.locator("#dlq tbody tr[data-event-id]").count()) === 3, 15_000);
    for (const id of failed)
      expect(await page.textContent(`#dlq tr[data-event-id="${id}"]`)).toContain("upstream said no (502)");

    // The lookup of a failed event: its retries, its dead letter.
    await page.fill("#lookup input[name=id]", failed[0]!);
    await page.click("#lookup button[type=submit]");
    await until(
      async () => ((await page.textContent("#lookup-result")) ?? "").includes("dead-lettered"),
      5000,
    );
    expect(await page.textContent("#lookup-result")).toContain("In the dead letters");
    expect(await page.textContent("#lookup-result")).toContain("retried");
    await until(async () => Number(await page.getAttribute("#chart-worker", "data-max")) > 0, 5000);

    const shot = join(dir, "dashboard.png");
    // The top of the page: charts, groups, handlers, dead letters and the start of the lookup.
    await page.screenshot({ path: shot, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1640 } });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe("PNG");
    if (process.env.SLACKLINE_UPDATE_SCREENSHOT === "1") copyFileSync(shot, join(ROOT, "docs/dashboard.png"));
    expect(statSync(shot).size).toBeGreaterThan(20_000);

    // Filter by the error and the time, then replay the set.
    await page.fill("#dlq-filter input[name=text]", "upstream said no");
    await page.fill("#dlq-filter input[name=since]", localInput(since));
    await page.selectOption("#dlq-filter select[name=type]", "app_mention");
    await page.click("#dlq-filter button[type=submit]");
    await until(async () => ((await page.textContent("#dlq-summary")) ?? "").startsWith("3 matching"), 5000);
    failing = false;
    await page.click("#dlq-replay-all");
    await page.locator("#confirm").waitFor({ state: "visible" });
    expect(await page.textContent("#confirm-text")).toContain("3 dead letters matching this filter");
    await page.click("#confirm button[value=ok]");
    await until(async () => (await page.locator("#dlq tbody tr[data-event-id]").count()) === 0, 10_000);
    await until(() => failed.every((id) => ran.includes(id)), 10_000);
    expect(await backend.listDeadLetters(TOPIC)).toEqual([]);
    expect(browser.problems).toEqual([]);
  });
});
