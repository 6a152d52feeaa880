import { randomUUID } from "node:crypto";
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

const SECRET = "e2e-slack-backend-secret";
const HANDLERS = join(ROOT, "test/fixtures/recording-handlers.ts");
const BOTS = [1, 2].map((n) => ({ token: `xoxb-node-${n}`, user_id: `UNODE${n}`, name: `node-${n}` }));

function appMention(): { id: string; body: string } {
  const id = `Ev${randomUUID().replaceAll("-", "").slice(0, 14).toUpperCase()}`;
  const body = JSON.stringify({
    type: "event_callback",
    team_id: "T0FAKE",
    event_id: id,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: "app_mention", user: "U1", text: "<@UNODE1> hi", ts: "1700000000.000100", channel: "C1" },
  });
  return { id, body };
}

const deliver = (url: string, body: string): Promise<number> => postSignedEvent(url, SECRET, body);

describe("QUEUE_BACKEND=slack: two `slackline start` nodes share one Slack channel as their queue", () => {
  let slack: FakeSlack;
  const nodes: { app: Running; url: string; records: string }[] = [];
  const all = (): RunRecord[] => nodes.flatMap((n) => readRecords(n.records));

  beforeAll(async () => {
    slack = await FakeSlack.start({ bots: BOTS, seed: { channels: [{ id: "CQUEUE", name: "queue" }] } });
    for (const bot of BOTS) {
      const dir = tempDir();
      const records = join(dir, "records.jsonl");
      const app = spawnSlackline(["start", "--handlers", HANDLERS], {
        SLACK_SIGNING_SECRET: SECRET,
        SLACKLINE_DATA_DIR: dir,
        RECORD_FILE: records,
        QUEUE_BACKEND: "slack",
        SLACKMQ_CHANNEL: "CQUEUE",
        SLACKMQ_POLL_MS: "100",
        SLACKMQ_POLL_MAX_MS: "500",
        SLACK_BOT_TOKEN: bot.token,
        SLACK_API_URL: slack.apiUrl,
        LEASE_MS: "5000",
        PORT: "0",
      });
      nodes.push({ app, url: "", records });
    }
    for (const n of nodes) n.url = await n.app.url;
  }, 60_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.app.kill("SIGTERM")));
    await slack?.close();
  });

  it("events received by one node are queued in Slack and each handled once by one of the nodes", async () => {
    const events = Array.from({ length: 10 }, appMention);
    for (const e of events) expect(await deliver(nodes[0]!.url, e.body)).toBe(200);
    const done = (id: string) => all().filter((r) => r.id === id && r.phase === "done");
    await eventually(
      () => events.filter((e) => done(e.id).length < 2),
      (left) => left.length === 0,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    for (const e of events) {
      expect(
        done(e.id)
          .map((r) => r.tag ?? "main")
          .sort(),
      ).toEqual(["main", "sibling"]);
    }
    const queued = slack
      .messages("CQUEUE")
      .filter((m) => (m.metadata as { event_type?: string })?.event_type === "slackline_envelope");
    expect(queued).toHaveLength(10);
    expect(slack.pins("CQUEUE")).toEqual([]);
  }, 60_000);
});
