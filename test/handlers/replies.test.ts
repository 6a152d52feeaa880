import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryDedupStore } from "../../src/dedup/memory.js";
import type { Envelope } from "../../src/envelope/envelope.js";
import { Router } from "../../src/handlers/router.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { MemoryQueue } from "../../src/queue/backends/memory.js";
import { createWebClient } from "../../src/slack/client.js";
import { postToResponseUrl, ResponseUrlError } from "../../src/slack/response-url.js";
import { FakeSlack } from "../../src/testing/fake-slack.js";
import { Worker } from "../../src/worker/worker.js";
import { until } from "../helpers/wait.js";

// ctx.respond() and ctx.say() in queued handlers, against the fake Slack behind the real clients.
let slack: FakeSlack;
let queue: MemoryQueue;
let worker: Worker | undefined;

beforeEach(async () => {
  slack = await FakeSlack.start({ seed: { channels: [{ id: "C1", name: "general" }] } });
  queue = new MemoryQueue();
});
afterEach(async () => {
  await worker?.stop(1000);
  worker = undefined;
  await queue.close();
  await slack.close();
});

const commandEnvelope = (responseUrl: string): Envelope => ({
  v: 1,
  id: `Cm-${Math.random()}`,
  kind: "command",
  received_at: Date.now(),
  retry_num: 0,
  retry_reason: null,
  team_id: "T1",
  body: { command: "/deploy", text: "api", channel_id: "C1", user_id: "U1", response_url: responseUrl },
});

function run(router: Router) {
  const client = createWebClient({ botToken: slack.token, apiUrl: slack.apiUrl });
  worker = new Worker({
    backend: queue,
    topic: "t",
    group: "g",
    router,
    markers: new MemoryDedupStore(),
    metrics: new Metrics(),
    logger: silentLogger,
    ...(client ? { client } : {}),
    backoff: { baseMs: 50, capMs: 50 },
  });
  void worker.start();
}

describe("ctx.respond()", () => {
  it("posts the follow-up to the command's response_url", async () => {
    const url = slack.responseUrl();
    const done: string[] = [];
    run(
      new Router().command("/deploy", async (cmd, ctx) => {
        await ctx.respond({ response_type: "in_channel", text: `deployed ${cmd.text}` });
        await ctx.respond("and a second line");
        done.push(cmd.text);
      }),
    );
    await queue.publish("t", commandEnvelope(url));
    await until(() => done.length === 1);
    expect(slack.responses(url)).toEqual([
      { response_type: "in_channel", text: "deployed api" },
      { text: "and a second line" },
    ]);
  });

  it("retries a 500 and a 429 (after its Retry-After), then delivers once", async () => {
    const url = slack.responseUrl();
    slack.responseUrls.failNext(500);
    slack.responseUrls.failNext(429, 1, 1);
    const started = Date.now();
    await postToResponseUrl(url, { text: "hello", replace_original: true }, { baseDelayMs: 20 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(slack.responses(url)).toEqual([{ text: "hello", replace_original: true }]);
  });

  it("Slack's limit of 5 uses: the sixth is refused (404), and a 4xx is not retried", async () => {
    const url = slack.responseUrl();
    for (let i = 0; i < 5; i++) await postToResponseUrl(url, { text: `#${i}` });
    const err = await postToResponseUrl(url, { text: "#6" }).catch((e) => e);
    expect(err).toBeInstanceOf(ResponseUrlError);
    expect(err.status).toBe(404);
    expect(err.code).toBe("SLACKLINE_RESPONSE_URL");
    expect(slack.responses(url)).toHaveLength(5);
  });

  it("respond() on a payload without a response_url rejects with an error that says so", async () => {
    const errors: string[] = [];
    run(
      new Router().appMention(async (_event, ctx) => {
        await ctx.respond("hi").catch((e: Error) => errors.push(e.message));
      }),
    );
    const { sampleEnvelope } = await import("../../src/testing/envelopes.js");
    await queue.publish("t", sampleEnvelope());
    await until(() => errors.length === 1);
    expect(errors[0]).toContain("has no response_url");
  });
});

describe("ctx.say()", () => {
  it("posts to the channel the payload came from through the Web API", async () => {
    const said: string[] = [];
    run(
      new Router().command("/deploy", async (_cmd, ctx) => {
        const answer = await ctx.say("Deploying api");
        said.push(answer.ts ?? "");
      }),
    );
    await queue.publish("t", commandEnvelope(slack.responseUrl()));
    await until(() => said.length === 1);
    expect(slack.messages("C1").map((m) => m.text)).toContain("Deploying api");
  });
});
