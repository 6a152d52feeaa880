import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeSlack } from "../../src/testing/fake-slack.js";
import { type SocketModeDelivery, SocketModeServer } from "../../src/testing/socket-mode/index.js";
import {
  eventually,
  ROOT,
  type Running,
  readRecords,
  runSlackline,
  spawnSlackline,
  tempDir,
} from "../helpers/cli.js";
import { postSignedEvent } from "../helpers/slack-http.js";
import { until } from "../helpers/wait.js";
import { eventCallback } from "../socket/harness.js";

const HANDLERS = join(ROOT, "test/fixtures/recording-handlers.ts");

/** The ops listener's URL, from the "ingress listening" line. */
async function opsUrl(child: Running): Promise<string> {
  const out = await eventually(
    () => child.output(),
    (o) => /"ops":"http:\/\/[^"]+"/.test(o),
    20_000,
  );
  return /"ops":"(http:\/\/[^"]+)"/.exec(out)![1]!;
}

/** Resolves once the child logged that many opened connections (reconnects count). */
const connected = (child: Running, times = 1) =>
  eventually(
    () => child.output().split("Socket Mode connection open").length - 1,
    (n) => n >= times,
    20_000,
  );

/** Handler runs that finished, per event id (the first handler of app_mention, not its sibling). */
const doneById = (file: string) => {
  const counts = new Map<string, number>();
  for (const r of readRecords(file))
    if (r.phase === "done" && r.route === "app_mention" && !r.tag)
      counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
  return counts;
};

describe("slackline start --socket-mode (a real child process)", () => {
  let slack: FakeSlack;
  let stand: SocketModeServer;
  let dataDir: string;
  let records: string;
  let env: Record<string, string>;
  const children: Running[] = [];

  beforeEach(async () => {
    slack = await FakeSlack.start();
    // Unacked envelopes come back every second, for long enough to outlast a restart.
    stand = await SocketModeServer.start({ slack, ackTimeoutMs: 1000, maxRetries: 60, pingIntervalMs: null });
    dataDir = tempDir();
    records = join(dataDir, "records.jsonl");
    env = {
      SLACK_SIGNING_SECRET: "",
      SLACK_APP_TOKEN: stand.appToken,
      SLACK_API_URL: slack.apiUrl,
      SLACKLINE_DATA_DIR: dataDir,
      QUEUE_BACKEND: "sqlite",
      RECORD_FILE: records,
      PORT: "0",
    };
  });
  afterEach(async () => {
    for (const child of children.splice(0)) await child.kill("SIGKILL");
    await stand.close();
    await slack.close();
  });

  const start = (extra: Record<string, string> = {}) => {
    const child = spawnSlackline(["start", "--socket-mode", "--handlers", HANDLERS], { ...env, ...extra });
    children.push(child);
    return child;
  };

  it("SIGTERM mid-stream loses nothing: every event handled once, across a restart", async () => {
    const first = start();
    await connected(first);
    const ops = await opsUrl(first);
    expect((await fetch(`${ops}/readyz`)).status).toBe(200);
    // Socket Mode alone: no /slack/events.
    expect((await fetch(`${ops}/slack/events`, { method: "POST", body: "{}" })).status).toBe(404);

    const sent: SocketModeDelivery[] = [];
    const total = 40;
    const streaming = (async () => {
      for (let i = 0; i < total; i++) {
        sent.push(stand.event(eventCallback()));
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    await until(() => sent.filter((d) => d.ack).length >= 10, 10_000);
    expect(await first.kill("SIGTERM")).toBe(0);
    await streaming;

    const second = start();
    await connected(second);
    const acks = await Promise.all(sent.map((d) => d.acked));
    // The stream spanned the stop: some were acked by the first process, the rest by the second.
    const byFirst = acks.filter((a) => a.connection === 1).length;
    expect(byFirst).toBeGreaterThanOrEqual(10);
    expect(byFirst).toBeLessThan(total);
    const ids = sent.map((d) => d.payload.event_id as string);
    const done = await eventually(
      () => doneById(records),
      (counts) => ids.every((id) => counts.has(id)),
      20_000,
    );
    expect([...done.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(first.output()).toContain("shutting down");
  }, 60_000);

  it("/readyz reports the socket: 503 while no connection is open (with the reason on the ops port)", async () => {
    const child = start({ OPS_PORT: "0" });
    await connected(child);
    const ops = await opsUrl(child);
    const registered = slack.workspace.appTokens.get(stand.appToken)!;
    slack.workspace.appTokens.delete(stand.appToken);
    stand.drop();
    await until(async () => (await fetch(`${ops}/readyz`)).status === 503, 10_000);
    expect(await (await fetch(`${ops}/readyz`)).text()).toMatch(
      /^socket mode unreachable: no connection open/,
    );
    slack.workspace.appTokens.set(stand.appToken, registered);
    await connected(child, 2);
    expect((await fetch(`${ops}/readyz`)).status).toBe(200);
  }, 30_000);

  it("beside HTTP (SLACK_SIGNING_SECRET set): one queue, one dedup across both transports", async () => {
    const secret = "socket-e2e-secret";
    const child = start({ SLACK_SIGNING_SECRET: secret });
    await connected(child);
    const url = await child.url;
    const both = eventCallback();
    expect(await postSignedEvent(url, secret, JSON.stringify(both))).toBe(200);
    await stand.event(both).acked;
    const socketOnly = eventCallback();
    await stand.event(socketOnly).acked;
    const done = await eventually(
      () => doneById(records),
      (c) => c.has(both.event_id as string) && c.has(socketOnly.event_id as string),
      20_000,
    );
    expect(done.get(both.event_id as string)).toBe(1);
  }, 30_000);

  it("a bad app token is a one-line start-up error, not a reconnect loop", async () => {
    const run = (token: string) =>
      runSlackline(["start", "--socket-mode"], { ...env, SLACK_APP_TOKEN: token });
    const refused = await run("xapp-1-revoked");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^slackline: SLACK_APP_TOKEN was refused by Slack's apps\.connections\.open \(invalid_auth\)[^\n]*\n$/,
    );
    expect(slack.callsTo("apps.connections.open")).toHaveLength(1);

    const bot = await run(slack.token);
    expect(bot.stderr).toMatch(
      /^slackline: SLACK_APP_TOKEN must be an app-level token starting with xapp- \(got a xoxb- token[^\n]*\n$/,
    );
    const missing = await run("");
    expect(missing.stderr).toMatch(/^slackline: SLACK_APP_TOKEN is not set[^\n]*\n$/);
    expect(slack.callsTo("apps.connections.open")).toHaveLength(1);
  }, 30_000);
});
