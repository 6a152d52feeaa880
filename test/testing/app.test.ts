import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Router } from "../../src/handlers/router.js";
import { TestApp } from "../../src/testing/app.js";
import { FakeSlack } from "../../src/testing/fake-slack.js";

const mention = (id: string, channel: string, ts: string, text = "<@U0BOT> hi") => ({
  type: "event_callback",
  team_id: "T0FAKE",
  event_id: id,
  event: { type: "app_mention", user: "U_ALICE", text, ts, channel },
});

describe("TestApp: Slackline in a test's process", () => {
  let slack: FakeSlack;
  let app: TestApp;
  beforeAll(async () => {
    slack = await FakeSlack.start({
      seed: { users: [{ id: "U_ALICE", name: "alice" }], channels: [{ id: "C1", name: "general" }] },
    });
    const router = new Router();
    router.appMention(async (event, { client }) => {
      if (event.text.includes("boom")) throw new Error("boom");
      await client?.chat.postMessage({ channel: event.channel, thread_ts: event.ts, text: "On it." });
    });
    app = await TestApp.start({ handlers: router, slack });
  });
  afterAll(async () => {
    await app?.close();
    await slack?.close();
  });

  it("signs and posts over HTTP; handled() resolves with the routes that ran; the client reached the fake", async () => {
    const parent = slack.addMessage("C1", { user: "U_ALICE", text: "<@U0BOT> hi" });
    const sent = await app.send(mention("EvAPP00001", "C1", parent.ts));
    expect(sent).toEqual({ status: 200, body: "", outcome: "accepted", id: "EvAPP00001" });
    const handled = await app.handled("EvAPP00001");
    expect(handled.history.map((s) => [s.group, s.result, s.routes, s.attempt])).toEqual([
      ["default", "acked", ["app_mention"], 1],
    ]);
    expect(slack.replies("C1", parent.ts).map((m) => m.text)).toEqual(["On it."]);
    expect((await app.send(mention("EvAPP00001", "C1", parent.ts), { retry: 1 })).outcome).toBe("duplicate");
  });

  it("a handler that keeps failing: retried with quick backoff, then dead-lettered", async () => {
    const sent = await app.send(mention("EvAPP00002", "C1", "1.000002", "boom"));
    const handled = await app.handled(sent.id!);
    expect(handled.history.map((s) => s.result)).toEqual(["retried", "retried", "dead_lettered"]);
    expect(handled.history[2]!.error).toContain("boom");
  });

  it("an event no route matched is acked with nothing run, and counted by type", async () => {
    const sent = await app.send({
      type: "event_callback",
      team_id: "T0FAKE",
      event_id: "EvAPP00003",
      event: { type: "reaction_added", user: "U_ALICE", reaction: "eyes", item: { type: "message" } },
    });
    const handled = await app.handled(sent.id!);
    expect(handled.history.map((s) => [s.result, s.routes])).toEqual([["acked", []]]);
    const metrics = await app.metrics.registry.metrics();
    expect(metrics).toContain('slackline_unrouted_total{type="reaction_added"} 1');
  });

  it("handled() rejects, saying what it saw, when nothing settles in time", async () => {
    await expect(app.handled("EvNEVERSENT", 100)).rejects.toThrow(
      /EvNEVERSENT was not settled within 100 ms/,
    );
  });

  it("a bad signature is refused like any other", async () => {
    const res = await fetch(app.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-slack-request-timestamp": "1",
        "x-slack-signature": "v0=0",
      },
      body: "{}",
    });
    expect(res.status).toBe(401);
  });
});
