import * as bolt5 from "@slack/bolt";
import * as bolt4 from "@slack/bolt-4";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SlacklineReceiver } from "../../src/bolt/receiver.js";
import { boltRouter } from "../../src/bolt/router.js";
import { MemoryDedupStore } from "../../src/dedup/memory.js";
import { ResponderRunner } from "../../src/handlers/responder-runner.js";
import { createLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { FakeSlack } from "../../src/testing/fake-slack.js";
import { interactionForm } from "../../src/testing/slack-request.js";
import { Worker } from "../../src/worker/worker.js";
import { eventCallback, startTestIngress, type TestIngress, TOPIC } from "../helpers/ingress.js";
import { RecordingQueue } from "../helpers/recording-queue.js";
import { until } from "../helpers/wait.js";

// Real Bolt apps (both supported majors), unchanged, on Slackline: ingress, responders and a worker
// over a real in-memory queue, with say/respond/client landing on the fake Slack.

const FORM = "application/x-www-form-urlencoded";
let seq = 0;
const next = () => `${Date.now()}.${seq++}`;

type BoltModule = typeof bolt5;
const MAJORS: Array<[string, BoltModule]> = [
  ["bolt 5", bolt5],
  ["bolt 4", bolt4 as unknown as BoltModule],
];

describe.each(MAJORS)("%s on SlacklineReceiver", (_name, Bolt) => {
  let slack: FakeSlack;
  let queue: RecordingQueue;
  let ingress: TestIngress;
  let worker: Worker;
  let warnings: string[];

  beforeEach(async () => {
    slack = await FakeSlack.start({
      bots: [
        { token: "xoxb-team-one", user_id: "UBOT1", bot_id: "BBOT1", app_id: "A1", name: "one" },
        { token: "xoxb-team-two", user_id: "UBOT2", bot_id: "BBOT2", app_id: "A1", name: "two" },
      ],
      seed: { channels: [{ id: "C1", name: "general" }] },
    });
    queue = new RecordingQueue();
    warnings = [];
  });
  afterEach(async () => {
    await ingress?.close();
    await worker?.stop(1000);
    await queue.close();
    await slack.close();
  });

  /** Runs the app on Slackline: the ingress with its inline listeners, and a worker. */
  async function run(app: bolt5.App, receiver: SlacklineReceiver, options: { maxAttempts?: number } = {}) {
    expect(SlacklineReceiver.of(app)).toBe(receiver);
    const router = boltRouter(receiver);
    const metrics = new Metrics();
    const logger = createLogger({ level: "silent", destination: "stderr" });
    logger.warn = ((obj: unknown, msg?: string) =>
      void warnings.push(`${msg} ${JSON.stringify(obj)}`)) as typeof logger.warn;
    ingress = await startTestIngress(queue, {
      metrics,
      inline: new ResponderRunner({ router, client: undefined, logger, metrics }),
    });
    worker = new Worker({
      backend: queue,
      topic: TOPIC,
      group: "g",
      router,
      markers: new MemoryDedupStore(),
      metrics,
      logger,
      maxAttempts: options.maxAttempts ?? 5,
      backoff: { baseMs: 20, capMs: 40 },
    });
    void worker.start();
    return { metrics };
  }

  const newApp = (extra: Record<string, unknown> = {}) => {
    const receiver = new SlacklineReceiver();
    const app = new Bolt.App({
      token: "xoxb-team-one",
      receiver,
      clientOptions: { slackApiUrl: slack.apiUrl },
      logLevel: Bolt.LogLevel.ERROR,
      ...extra,
    } as ConstructorParameters<typeof bolt5.App>[0]) as unknown as bolt5.App;
    return { app, receiver };
  };

  it("app.event with say, context.retryNum from the envelope, and global + listener middleware", async () => {
    const { app, receiver } = newApp();
    const seen: string[] = [];
    app.use(async ({ next, context }) => {
      context.fromGlobal = "yes";
      await next();
    });
    const listenerMiddleware = async ({ next }: { next: () => Promise<void> }) => {
      seen.push("listener middleware");
      await next();
    };
    app.event("app_mention", listenerMiddleware, async ({ event, say, context }) => {
      seen.push(`mention ${context.retryNum ?? 0} ${context.fromGlobal} ${context.slackline.phase}`);
      await say(`On it, <@${event.user}>`);
    });
    await run(app, receiver);
    const res = await ingress.post(eventCallback({ channel: "C1" }), {
      headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" },
    });
    expect(res.status).toBe(200);
    await until(() => slack.messages("C1").length === 1);
    expect(slack.messages("C1")[0]!.text).toBe("On it, <@U1>");
    expect(seen).toEqual(["listener middleware", "mention 1 yes queue"]);
  });

  it("app.message with a string and a RegExp pattern", async () => {
    const { app, receiver } = newApp();
    const heard: string[] = [];
    app.message(
      "hello",
      async ({ message }) => void heard.push(`string:${(message as { text: string }).text}`),
    );
    app.message(/^deploy (\w+)/, async ({ context }) => void heard.push(`regexp:${context.matches[1]}`));
    await run(app, receiver);
    const msg = (text: string) =>
      eventCallback({ type: "message", channel: "C1", channel_type: "channel", text });
    await ingress.post(msg("well hello there"));
    await ingress.post(msg("deploy api"));
    await until(() => heard.length === 2);
    expect(heard.sort()).toEqual(["regexp:api", "string:well hello there"]);
  });

  it("a retry storm of one event runs its listener once", async () => {
    const { app, receiver } = newApp();
    let runs = 0;
    app.event("app_mention", async () => void runs++);
    const { metrics } = await run(app, receiver);
    const body = eventCallback({}, `EvSTORM${seq++}`);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        ingress.post(body, { headers: { "x-slack-retry-num": String(i) } }),
      ),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await until(() => runs === 1);
    // A redelivery of the same message from the queue is skipped by its processed-marker.
    await queue.publish(TOPIC, queue.published[0]!);
    const skipped = async () =>
      (await metrics.deliveries.get()).values.find((v) => v.labels.result === "skipped_processed")?.value ??
      0;
    await until(async () => (await skipped()) === 1);
    expect(runs).toBe(1);
  });

  it("app.action with respond() to the response_url, and app.shortcut", async () => {
    const { app, receiver } = newApp();
    const shortcuts: string[] = [];
    app.action("approve", async ({ ack, respond, action }) => {
      await ack();
      await respond({ text: `approved ${(action as { value: string }).value}`, replace_original: true });
    });
    app.shortcut("open_thing", async ({ ack, shortcut }) => {
      await ack();
      shortcuts.push(shortcut.callback_id);
    });
    await run(app, receiver);
    const url = slack.responseUrl();
    await ingress.post(
      interactionForm({
        type: "block_actions",
        trigger_id: next(),
        user: { id: "U1" },
        team: { id: "T0001" },
        response_url: url,
        actions: [{ action_id: "approve", block_id: "b", type: "button", value: "req-7", action_ts: "1" }],
      }),
      { contentType: FORM },
    );
    await ingress.post(
      interactionForm({
        type: "shortcut",
        trigger_id: next(),
        callback_id: "open_thing",
        user: { id: "U1" },
        team: { id: "T0001" },
      }),
      { contentType: FORM },
    );
    await until(() => slack.responses(url).length === 1 && shortcuts.length === 1);
    expect(slack.responses(url)).toEqual([{ text: "approved req-7", replace_original: true }]);
  });

  it("app.command: ack(text) is the HTTP answer; the work after ack() runs once, in the worker", async () => {
    const { app, receiver } = newApp();
    const phases: string[] = [];
    app.command("/deploy", async ({ ack, command, respond, context }) => {
      phases.push(`before ack (${context.slackline.phase})`);
      await ack(`Deploying ${command.text}…`);
      phases.push(`after ack (${context.slackline.phase})`);
      await respond(`Deployed ${command.text}`);
    });
    await run(app, receiver);
    const url = slack.responseUrl();
    const body = new URLSearchParams({
      command: "/deploy",
      text: "api",
      team_id: "T0001",
      channel_id: "C1",
      user_id: "U1",
      response_url: url,
      trigger_id: next(),
    }).toString();
    const res = await ingress.post(body, { contentType: FORM });
    expect(await res.text()).toBe("Deploying api…");
    await until(() => slack.responses(url).length === 1);
    expect(slack.responses(url)).toEqual([{ text: "Deployed api" }]);
    expect(phases.sort()).toEqual(["after ack (queue)", "before ack (answer)", "before ack (queue)"]);
  });

  it("app.view: ack({response_action: errors}) reaches the response; app.options answers the select", async () => {
    const { app, receiver } = newApp();
    const submitted: string[] = [];
    app.view("deploy_modal", async ({ ack, view }) => {
      const service = view.state.values.service?.pick?.value;
      if (!service) return ack({ response_action: "errors", errors: { service: "Pick one" } });
      await ack();
      submitted.push(service as string);
    });
    app.options("pick", async ({ ack, options }) => {
      await ack({ options: [{ text: { type: "plain_text", text: options.value }, value: options.value }] });
    });
    await run(app, receiver);
    const view = (values: Record<string, unknown>) =>
      interactionForm({
        type: "view_submission",
        trigger_id: next(),
        user: { id: "U1" },
        team: { id: "T0001" },
        view: { id: "V1", callback_id: "deploy_modal", state: { values } },
      });
    const invalid = await ingress.post(view({}), { contentType: FORM });
    expect(await invalid.json()).toEqual({ response_action: "errors", errors: { service: "Pick one" } });
    const valid = await ingress.post(view({ service: { pick: { value: "api" } } }), { contentType: FORM });
    expect(await valid.text()).toBe("");
    await until(() => submitted.length === 1);
    const options = await ingress.post(
      interactionForm({
        type: "block_suggestion",
        user: { id: "U1" },
        team: { id: "T0001" },
        action_id: "pick",
        block_id: "b",
        value: "we",
      }),
      { contentType: FORM },
    );
    expect(await options.json()).toEqual({
      options: [{ text: { type: "plain_text", text: "we" }, value: "we" }],
    });
    // The lookup was answered, not queued; both submissions were queued.
    expect(queue.published.map((e) => (e.body as { type: string }).type)).toEqual([
      "view_submission",
      "view_submission",
    ]);
    expect(submitted).toEqual(["api"]);
  });

  it("a failing listener is retried with backoff, then dead-lettered; app.error sees each failure", async () => {
    const errorsSeen: string[] = [];
    const { app, receiver } = newApp();
    app.event("app_mention", async () => {
      throw new Error("downstream is down");
    });
    // An error handler that swallows: the delivery must still count as failed.
    app.error(async (error) => void errorsSeen.push(error.message));
    await run(app, receiver, { maxAttempts: 3 });
    await ingress.post(eventCallback());
    await until(async () => (await queue.listDeadLetters(TOPIC)).length === 1, 10_000);
    const [dead] = await queue.listDeadLetters(TOPIC);
    expect(dead!.attempts).toBe(3);
    expect(dead!.reason).toContain("downstream is down");
    expect(errorsSeen.length).toBe(3);
  });

  it("authorize with two workspaces: each event's client acts with its own workspace's token", async () => {
    const tokens: Record<string, string> = { T1: "xoxb-team-one", T2: "xoxb-team-two" };
    const receiver = new SlacklineReceiver();
    const app = new Bolt.App({
      receiver,
      authorize: async ({ teamId }: { teamId?: string }) => ({
        botToken: tokens[teamId ?? ""],
        botId: "B",
        botUserId: "U",
      }),
      clientOptions: { slackApiUrl: slack.apiUrl },
      logLevel: Bolt.LogLevel.ERROR,
    } as ConstructorParameters<typeof bolt5.App>[0]) as unknown as bolt5.App;
    app.event("app_mention", async ({ say, context }) => void (await say(`hi from ${context.teamId}`)));
    await run(app, receiver);
    const event = (team: string) =>
      JSON.stringify({ ...JSON.parse(eventCallback({ channel: "C1" })), team_id: team });
    await ingress.post(event("T1"));
    await ingress.post(event("T2"));
    await until(() => slack.messages("C1").length === 2);
    const posters = slack
      .callsTo("chat.postMessage")
      .map((c) => `${c.user}:${c.args.text}`)
      .sort();
    expect(posters).toEqual(["UBOT1:hi from T1", "UBOT2:hi from T2"]);
  });

  it("a queued listener's ack() with a body Slack can no longer read is a warning naming the listener", async () => {
    const { app, receiver } = newApp();
    let done = 0;
    app.action("approve", async ({ ack }) => {
      await ack({ text: "this goes nowhere" } as never);
      done++;
    });
    await run(app, receiver);
    await ingress.post(
      interactionForm({
        type: "block_actions",
        trigger_id: next(),
        user: { id: "U1" },
        team: { id: "T0001" },
        actions: [{ action_id: "approve", block_id: "b", type: "button", action_ts: "1" }],
      }),
      { contentType: FORM },
    );
    await until(() => done === 1);
    expect(warnings.join("\n")).toMatch(/ack\(\) with a body Slack no longer reads.*action_id approve/s);
  });
});
