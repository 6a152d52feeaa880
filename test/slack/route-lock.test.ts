import { LogLevel, WebClient } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config.js";
import type { Envelope } from "../../src/envelope/envelope.js";
import { lockSettingsFromEnv } from "../../src/slack/lock-config.js";
import { LockTargetError } from "../../src/slack/lock-errors.js";
import { lockTargetOf } from "../../src/slack/lock-target.js";
import { slackRouteLock, slackRouteLockFromEnv } from "../../src/slack/route-lock.js";
import { FakeSlack, sampleEnvelope } from "../../src/testing/index.js";

const event = (inner: Record<string, unknown>): Envelope =>
  sampleEnvelope({ body: { type: "event_callback", event_id: "Ev1", event: inner } });

describe("what a route lock claims", () => {
  it("message and app_mention: event.channel + event.ts", () => {
    expect(lockTargetOf(event({ type: "app_mention", channel: "C1", ts: "1.000001" }), "r")).toEqual({
      channel: "C1",
      ts: "1.000001",
    });
    expect(
      lockTargetOf(event({ type: "message", channel: "C1", ts: "2.000001", channel_type: "im" }), "r"),
    ).toEqual({
      channel: "C1",
      ts: "2.000001",
    });
  });

  it("reaction_added: the reacted message", () => {
    const e = event({
      type: "reaction_added",
      reaction: "x",
      item: { type: "message", channel: "C9", ts: "3.000001" },
    });
    expect(lockTargetOf(e, "r")).toEqual({ channel: "C9", ts: "3.000001" });
  });

  it("block_actions: the message holding the button", () => {
    const e = sampleEnvelope({
      kind: "interaction",
      body: {
        type: "block_actions",
        container: { type: "message", channel_id: "C2", message_ts: "4.000001" },
      },
    });
    expect(lockTargetOf(e, "r")).toEqual({ channel: "C2", ts: "4.000001" });
  });

  it("events with no message of their own are a clear error", () => {
    const cases: Envelope[] = [
      sampleEnvelope({ kind: "command", body: { command: "/deploy", text: "" } }),
      event({ type: "team_join", user: { id: "U1" } }),
      event({ type: "reaction_added", item: { type: "file", file: "F1" } }),
      event({
        type: "message",
        subtype: "message_changed",
        channel: "C1",
        ts: "5.0",
        message: { ts: "4.0" },
      }),
      sampleEnvelope({ kind: "interaction", body: { type: "view_submission", view: {} } }),
    ];
    for (const e of cases) {
      expect(() => lockTargetOf(e, "my-route")).toThrow(LockTargetError);
      expect(() => lockTargetOf(e, "my-route")).toThrow(/route "my-route" claims through the slack lock/);
    }
  });
});

describe("lock settings from the environment", () => {
  it("defaults, and every variable", () => {
    expect(lockSettingsFromEnv({})).toMatchObject({
      strategy: "pin",
      emoji: "lock",
      doneEmoji: "white_check_mark",
      staleMs: 300_000,
    });
    expect(
      lockSettingsFromEnv({
        SLACKLINE_LOCK_STRATEGY: "reaction",
        SLACKLINE_LOCK_EMOJI: ":eyes:",
        SLACKLINE_LOCK_DONE_EMOJI: "heavy_check_mark",
        SLACKLINE_LOCK_STALE_SECONDS: "2.5",
        SLACKLINE_LOCK_SHARED_TOKEN: "true",
      }),
    ).toMatchObject({
      strategy: "reaction",
      emoji: "eyes",
      doneEmoji: "heavy_check_mark",
      staleMs: 2500,
      sharedToken: true,
    });
  });

  it("bad values are configuration errors that name the variable", () => {
    expect(() => lockSettingsFromEnv({ SLACKLINE_LOCK_STRATEGY: "mutex" })).toThrow(ConfigError);
    expect(() => lockSettingsFromEnv({ SLACKLINE_LOCK_STALE_SECONDS: "-1" })).toThrow(
      /SLACKLINE_LOCK_STALE_SECONDS/,
    );
    expect(() =>
      lockSettingsFromEnv({ SLACKLINE_LOCK_EMOJI: "ok", SLACKLINE_LOCK_DONE_EMOJI: "ok" }),
    ).toThrow(/differ/);
  });
});

describe("slackRouteLock against the fake Slack", () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await FakeSlack.start({
      bots: [
        { token: "xoxb-1", user_id: "UB1" },
        { token: "xoxb-2", user_id: "UB2" },
      ],
      seed: { channels: [{ id: "CWORK", name: "work" }] },
    });
  });
  afterAll(async () => {
    await slack.close();
  });
  const web = (token: string) =>
    new WebClient(token, { slackApiUrl: slack.apiUrl, logLevel: LogLevel.ERROR });
  const mention = (ts: string) => event({ type: "app_mention", channel: "CWORK", ts, text: "hi" });

  it("acquired -> done(); the other instance then counts it as done", async () => {
    const { ts } = slack.addMessage("CWORK", { text: "do it" });
    const one = slackRouteLockFromEnv({ SLACKLINE_LOCK_STALE_SECONDS: "30" }, web("xoxb-1"));
    const two = slackRouteLockFromEnv({ SLACKLINE_LOCK_STALE_SECONDS: "30" }, web("xoxb-2"));
    const got = await one.acquire(mention(ts), "app_mention#0");
    expect(got.status).toBe("acquired");
    const other = await two.acquire(mention(ts), "app_mention#0");
    expect(other.status).toBe("held");
    if (got.status === "acquired") await got.done();
    expect(await two.acquire(mention(ts), "app_mention#0")).toEqual({ status: "done" });
  });

  it("two routes claiming the same message are reported, not silently skipped", async () => {
    const { ts } = slack.addMessage("CWORK", { text: "do it twice" });
    const lock = slackRouteLock({ client: web("xoxb-1") });
    const got = await lock.acquire(mention(ts), "app_mention#0");
    if (got.status === "acquired") await got.done();
    await expect(lock.acquire(mention(ts), "message.channels#0")).rejects.toThrow(/both claim/);
  });
});
