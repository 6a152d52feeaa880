import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSlack } from "../../src/testing/index.js";
import {
  eventually,
  ROOT,
  type Running,
  type RunRecord,
  readRecords,
  spawnSlackline,
  tempDir,
} from "../helpers/cli.js";
import { postSignedEvent } from "../helpers/slack-http.js";

const SECRET = "e2e-slack-lock-secret";
const HANDLERS = join(ROOT, "test/fixtures/slack-lock-handlers.ts");
const CHANNEL = "CWORK";
const STALE_SECONDS = 6;
const BOTS = [1, 2, 3].map((n) => ({
  token: `xoxb-instance-${n}`,
  user_id: `UINST${n}`,
  name: `instance-${n}`,
}));

interface Instance {
  app: Running;
  url: string;
  records: string;
}

/** An app_mention about a fresh message in the fake, with its own event id. */
function mention(slack: FakeSlack, text: string): { id: string; body: string } {
  const { ts } = slack.addMessage(CHANNEL, { user: "UHUMAN", text });
  const id = `Ev${randomUUID().replaceAll("-", "").slice(0, 14).toUpperCase()}`;
  const body = JSON.stringify({
    type: "event_callback",
    team_id: "T0FAKE",
    api_app_id: "A0APP",
    event_id: id,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: "app_mention", user: "UHUMAN", text, ts, channel: CHANNEL, event_ts: ts },
  });
  return { id, body };
}

const deliver = (url: string, body: string): Promise<number> => postSignedEvent(url, SECRET, body);

describe("three `slackline start` instances, one fake Slack: each event's work done once", () => {
  let slack: FakeSlack;
  const instances: Instance[] = [];
  const markers = tempDir("slackline-slow-");

  const all = (): RunRecord[] => instances.flatMap((i) => readRecords(i.records));
  const doneCount = (id: string) => all().filter((r) => r.id === id && r.phase === "done").length;
  /** Sends every event to every instance at once (in a shuffled order), as Slack would to three separate apps. */
  const broadcast = async (events: { body: string }[], to = instances) => {
    const sends = events.flatMap((e) =>
      [...to].sort(() => Math.random() - 0.5).map((i) => () => deliver(i.url, e.body)),
    );
    const statuses = await Promise.all(sends.map((send) => send()));
    expect(statuses.every((s) => s === 200)).toBe(true);
  };
  /** Each id done exactly once, and still once after every instance had time to look again. */
  const expectOnce = async (ids: string[], timeoutMs = 30_000) => {
    await eventually(
      () => ids.filter((id) => doneCount(id) === 0),
      (missing) => missing.length === 0,
      timeoutMs,
    );
    await new Promise((r) => setTimeout(r, STALE_SECONDS * 1000 + 2000));
    const counts = ids.map((id) => doneCount(id));
    expect(counts.filter((c) => c !== 1)).toEqual([]);
    const runs = ids.map((id) => all().filter((r) => r.id === id && r.phase === "run").length);
    expect(runs.filter((c) => c !== 1)).toEqual([]);
  };

  beforeAll(async () => {
    slack = await FakeSlack.start({
      bots: BOTS,
      seed: { users: [{ id: "UHUMAN", name: "human" }], channels: [{ id: CHANNEL, name: "work" }] },
    });
    for (const bot of BOTS) {
      const dir = tempDir();
      mkdirSync(dir, { recursive: true });
      const records = join(dir, "records.jsonl");
      const app = spawnSlackline(["start", "--handlers", HANDLERS], {
        SLACK_SIGNING_SECRET: SECRET,
        SLACKLINE_DATA_DIR: dir,
        RECORD_FILE: records,
        SLOW_MARKER_DIR: markers,
        QUEUE_BACKEND: "sqlite",
        PORT: "0",
        SLACK_BOT_TOKEN: bot.token,
        SLACK_API_URL: slack.apiUrl,
        SLACKLINE_LOCK_STALE_SECONDS: String(STALE_SECONDS),
        RETRY_BASE_MS: "100",
        RETRY_CAP_MS: "1000",
        MAX_ATTEMPTS: "100",
      });
      instances.push({ app, url: "", records });
    }
    for (const i of instances) i.url = await i.app.url;
  }, 60_000);

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.app.kill("SIGTERM")));
    await slack?.close();
  });

  it("50 events, each sent to all three instances at once: every one done exactly once", async () => {
    const events = Array.from({ length: 50 }, (_, n) => mention(slack, `<@UINST1> job ${n}`));
    await broadcast(events);
    await expectOnce(events.map((e) => e.id));
    // Slack shows every message finished and unclaimed. (Which instance won each is a race.)
    expect(slack.pins(CHANNEL)).toEqual([]);
    for (const m of slack.messages(CHANNEL)) {
      expect((m.reactions as { name: string }[] | undefined)?.map((r) => r.name)).toEqual([
        "white_check_mark",
      ]);
    }
  }, 90_000);

  it("while Slack rate-limits (429 + Retry-After), nothing is lost and nothing is done twice", async () => {
    const before = slack.calls.length;
    slack.rateLimitNext(80, { retryAfter: 1 });
    const events = Array.from({ length: 20 }, (_, n) => mention(slack, `<@UINST1> limited ${n}`));
    await broadcast(events);
    await expectOnce(
      events.map((e) => e.id),
      60_000,
    );
    const limited = slack.calls.slice(before).filter((c) => c.status === 429);
    expect(limited).toHaveLength(80);
  }, 120_000);

  it("an instance killed (SIGKILL) while holding a claim is taken over after the stale time", async () => {
    const event = mention(slack, "<@UINST1> slow-once please");
    await broadcast([event]);
    const started = await eventually(
      () => all().filter((r) => r.id === event.id && r.phase === "run"),
      (r) => r.length === 1,
    );
    const holder = instances.find((i) => i.app.proc.pid === started[0]!.pid)!;
    const killedAt = Date.now();
    await holder.app.kill("SIGKILL");
    const done = await eventually(
      () => all().filter((r) => r.id === event.id && r.phase === "done"),
      (r) => r.length >= 1,
      STALE_SECONDS * 1000 * 4,
    );
    expect(done).toHaveLength(1);
    expect(done[0]!.pid).not.toBe(holder.app.proc.pid);
    // Not before the dead holder's claim went stale (its pin's time, by Slack's clock).
    expect(Date.now() - killedAt).toBeGreaterThan((STALE_SECONDS - 2) * 1000);
    instances.splice(instances.indexOf(holder), 1);
    await new Promise((r) => setTimeout(r, 2000));
    expect(all().filter((r) => r.id === event.id && r.phase === "done")).toHaveLength(1);
  }, 90_000);
});
