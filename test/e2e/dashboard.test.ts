// `slackline start` serves the dashboard on its port: driven in a real headless Chromium.
import { spawn } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../../src/dashboard/api-types.js";
import { type Browser, chromiumMissing, launchChromium } from "../helpers/browser.js";
import {
  BIN,
  eventually,
  ROOT,
  type Running,
  readRecords,
  runSlackline,
  spawnSlackline,
  tempDir,
} from "../helpers/cli.js";
import { eventCallback } from "../helpers/ingress.js";
import { postSignedEvent } from "../helpers/slack-http.js";

const SECRET = "dashboard-e2e-secret";
const TOKEN = "dashboard-e2e-token-0123456789";
const missing = chromiumMissing();

describe.skipIf(missing !== null)("dashboard in slackline start (headless Chromium)", () => {
  const dir = tempDir("slackline-dash-e2e-");
  const recordFile = join(dir, "runs.jsonl");
  const failFile = join(dir, "fail");
  let app: Running;
  let url: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    writeFileSync(recordFile, "");
    app = spawnSlackline(["start", "--handlers", join(ROOT, "test/fixtures/dashboard-handlers.ts")], {
      SLACK_SIGNING_SECRET: SECRET,
      SLACKLINE_DATA_DIR: dir,
      SLACKLINE_DASHBOARD_TOKEN: TOKEN,
      QUEUE_BACKEND: "sqlite",
      PORT: "0",
      MAX_ATTEMPTS: "1",
      RECORD_FILE: recordFile,
      FAIL_FILE: failFile,
    });
    url = await app.url;
    // rebound.test resolves to this machine, as an attacker's name would after a DNS rebinding.
    browser = await launchChromium(["--host-resolver-rules=MAP rebound.test 127.0.0.1"]);
    page = await browser.page();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (text: string) => {
    const body = eventCallback({ text });
    return {
      id: (JSON.parse(body) as { event_id: string }).event_id,
      status: postSignedEvent(url, SECRET, body),
    };
  };
  const row = (eventId: string) => page.locator(`#dlq tbody tr[data-event-id="${eventId}"]`);

  it("sends a visitor without the token to the login form, and lets the right token in", async () => {
    const api = await fetch(`${url}/dashboard/api/snapshot`);
    expect(api.status).toBe(401);
    await page.goto(`${url}/dashboard/`);
    expect(new URL(page.url()).pathname).toBe("/dashboard/login");
    await page.fill("input[name=token]", "not-the-token-at-all");
    await page.click("button[type=submit]");
    await page.locator("#login-failed").waitFor({ state: "visible" });
    await page.fill("input[name=token]", TOKEN);
    await page.click("button[type=submit]");
    await page.waitForURL(`${url}/dashboard/`);
    await expect.poll(() => page.textContent("#connection")).toBe("live");
    const cookie = (await browser.context.cookies(`${url}/dashboard/`)).find(
      (c) => c.name === "slackline_dashboard",
    );
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/dashboard" });
  });

  it("charts the requests it receives, and lists them among the recent events with each group's result", async () => {
    const sent = Array.from({ length: 5 }, () => send("hello"));
    for (const s of sent) expect(await s.status).toBe(200);
    const last = page.locator(`#recent-list tr[data-event-id="${sent[4]!.id}"]`);
    await last.waitFor({ timeout: 10_000 });
    await expect.poll(() => last.textContent(), { timeout: 10_000 }).toContain("default: acked");
    await expect
      .poll(async () => Number(await page.getAttribute("#chart-requests", "data-max")), { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(Number(await page.getAttribute("#chart-latency", "data-points"))).toBeGreaterThan(0);
    expect(await page.locator("#chart-requests canvas").count()).toBe(1);
    await expect.poll(() => page.textContent("#groups tbody tr[data-group=default]")).toContain("default");
  });

  it("lists a failing handler's event with its error; Replay runs the handler and the row leaves", async () => {
    writeFileSync(failFile, "");
    const failing = send("please fail");
    expect(await failing.status).toBe(200);
    await row(failing.id).waitFor({ timeout: 15_000 });
    expect(await row(failing.id).textContent()).toContain("upstream said no (502)");
    expect(await row(failing.id).textContent()).toContain("app_mention");

    rmSync(failFile);
    await row(failing.id).locator("button[data-action=replay]").click();
    await row(failing.id).waitFor({ state: "detached", timeout: 10_000 });
    const runs = await eventually(
      () => readRecords(recordFile).filter((r) => r.id === failing.id),
      (r) => r.length === 2,
    );
    expect(runs).toHaveLength(2);
    await expect.poll(() => page.textContent("#dlq-summary")).toContain("Replayed 1.");
  });

  it("asks before Purge; Cancel keeps the row, OK removes it", async () => {
    writeFileSync(failFile, "");
    const failing = send("fail again");
    expect(await failing.status).toBe(200);
    await row(failing.id).waitFor({ timeout: 15_000 });
    await row(failing.id).locator("button[data-action=purge]").click();
    const dialog = page.locator("#confirm");
    await dialog.waitFor({ state: "visible" });
    expect(await page.textContent("#confirm-text")).toContain(failing.id);
    await dialog.locator("button[value=cancel]").click();
    await dialog.waitFor({ state: "hidden" });
    expect(await row(failing.id).count()).toBe(1);

    await row(failing.id).locator("button[data-action=purge]").click();
    await dialog.locator("button[value=ok]").click();
    await row(failing.id).waitFor({ state: "detached", timeout: 10_000 });
    const dlq = await fetch(`${url}/dashboard/api/dead-letters`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(((await dlq.json()) as { total: number }).total).toBe(0);
    expect(readRecords(recordFile).filter((r) => r.id === failing.id)).toHaveLength(1); // purged, not run again
    rmSync(failFile);
  });

  it("refuses a page reached under a foreign name (DNS rebinding)", async () => {
    const foreign = await browser.context.newPage();
    const response = await foreign.goto(`http://rebound.test:${new URL(url).port}/dashboard/`);
    expect(response?.status()).toBe(403);
    expect(await foreign.textContent("body")).toContain("DNS-rebinding");
    await foreign.close();
  });

  it("logged no console error, no page error and no CSP violation", () => {
    expect(browser.problems).toEqual([]);
    expect(existsSync(failFile)).toBe(false);
  });
});

describe("slackline gateway --no-dashboard", () => {
  it("serves no dashboard", async () => {
    const dir = tempDir("slackline-dash-off-");
    const gateway = spawnSlackline(["gateway", "--no-dashboard"], {
      SLACK_SIGNING_SECRET: SECRET,
      SLACKLINE_DATA_DIR: dir,
      QUEUE_BACKEND: "sqlite",
      PORT: "0",
    });
    try {
      const base = await gateway.url;
      expect((await fetch(`${base}/dashboard/`)).status).toBe(404);
      expect(gateway.output()).not.toContain('"dashboard"');
    } finally {
      await gateway.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("slackline dashboard", () => {
  it("serves the dashboard on its own against the backend, and says its figures cover no ingress", async () => {
    const dir = tempDir("slackline-dash-alone-");
    const proc = spawn(
      process.execPath,
      [BIN, "dashboard", "--port", "0", "--group", "default", "analytics"],
      {
        cwd: ROOT,
        env: { ...process.env, SLACKLINE_DATA_DIR: dir, QUEUE_BACKEND: "sqlite", LOG_LEVEL: "info" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      let out = "";
      proc.stdout.on("data", (c) => {
        out += c;
      });
      await eventually(
        () => out,
        (o) => o.includes("dashboard listening"),
      );
      const base = /"url":"(http:\/\/[^"]+)\/dashboard\/"/.exec(out)![1]!;
      const snapshot = (await (await fetch(`${base}/dashboard/api/snapshot`)).json()) as Snapshot;
      expect(snapshot.overview).toMatchObject({ mode: "standalone", backend: "sqlite" });
      expect(snapshot.groups.map((g) => g.group)).toEqual(["default", "analytics"]);
      expect((await fetch(`${base}/`, { redirect: "manual" })).headers.get("location")).toBe("/dashboard/");
    } finally {
      proc.kill("SIGTERM");
      await new Promise((r) => proc.once("exit", r));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses to serve beyond loopback without SLACKLINE_DASHBOARD_TOKEN", async () => {
    const dir = tempDir("slackline-dash-alone-");
    try {
      const { code, stderr } = await runSlackline(["dashboard", "--host", "0.0.0.0", "--port", "0"], {
        SLACKLINE_DATA_DIR: dir,
        QUEUE_BACKEND: "sqlite",
        SLACKLINE_DASHBOARD_TOKEN: "",
      });
      expect(code).toBe(1);
      expect(stderr).toContain("SLACKLINE_DASHBOARD_TOKEN");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
