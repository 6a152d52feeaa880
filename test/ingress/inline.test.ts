import { afterEach, describe, expect, it } from "vitest";
import { MemoryDedupStore } from "../../src/dedup/memory.js";
import { ResponderRunner } from "../../src/handlers/responder-runner.js";
import { Router } from "../../src/handlers/router.js";
import { createLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { commandForm, interactionForm } from "../../src/testing/slack-request.js";
import { Worker } from "../../src/worker/worker.js";
import { startTestIngress, type TestIngress, TOPIC } from "../helpers/ingress.js";
import { RecordingQueue } from "../helpers/recording-queue.js";
import { until } from "../helpers/wait.js";

// Responders answer Slack in the HTTP response, over real HTTP; the queue still gets what it should.

const FORM = "application/x-www-form-urlencoded";

let seq = 0;
const suggestion = (extra: Record<string, unknown> = {}) =>
  interactionForm({
    type: "block_suggestion",
    user: { id: "U1" },
    team: { id: "T1" },
    action_id: "pick_service",
    block_id: "service_block",
    value: "api",
    // A suggestion carries no trigger_id: its id is a hash of the body, so each test makes it unique.
    seq: seq++,
    ...extra,
  });
const submission = (callbackId = "deploy_modal", values: Record<string, unknown> = {}) =>
  interactionForm({
    type: "view_submission",
    trigger_id: `trigger.${seq++}`,
    user: { id: "U1" },
    team: { id: "T1" },
    view: { id: "V1", callback_id: callbackId, state: { values } },
  });
const slash = (text = "api") =>
  commandForm({
    command: "/deploy",
    text,
    team_id: "T1",
    channel_id: "C1",
    user_id: "U1",
    response_url: "http://127.0.0.1:9/unused",
    trigger_id: `trigger.${seq++}`,
  });

interface Setup {
  ingress: TestIngress;
  queue: RecordingQueue;
  metrics: Metrics;
  warnings: string[];
}
const opened: Array<{ ingress: TestIngress; queue: RecordingQueue; worker?: Worker }> = [];
afterEach(async () => {
  for (const { ingress, queue, worker } of opened.splice(0)) {
    await ingress.close();
    await worker?.stop(1000);
    await queue.close();
  }
});

/** A warning-collecting logger: responders that fail must say so. */
function collectingLogger(warnings: string[]) {
  const logger = createLogger({ level: "warn", destination: "stderr" });
  logger.warn = ((obj: unknown, msg?: string) => {
    warnings.push(`${msg ?? ""} ${JSON.stringify(obj)}`);
  }) as typeof logger.warn;
  return logger;
}

async function start(router: Router, options: { timeoutMs?: number; withWorker?: boolean } = {}) {
  const queue = new RecordingQueue();
  const metrics = new Metrics();
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  const inline = new ResponderRunner({
    router,
    client: undefined,
    logger,
    metrics,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  const ingress = await startTestIngress(queue, { inline, metrics });
  const entry: (typeof opened)[number] = { ingress, queue };
  if (options.withWorker) {
    entry.worker = new Worker({
      backend: queue,
      topic: TOPIC,
      group: "g",
      router,
      markers: new MemoryDedupStore(),
      metrics,
      logger,
    });
    void entry.worker.start();
  }
  opened.push(entry);
  return { ingress, queue, metrics, warnings } satisfies Setup;
}

const responderCount = async (metrics: Metrics, outcome: string) =>
  (await metrics.responderSeconds.get()).values
    .filter((v) => v.metricName === "slackline_responder_seconds_count" && v.labels.outcome === outcome)
    .reduce((n, v) => n + v.value, 0);

describe("block_suggestion (external select)", () => {
  it("answers with the options as JSON and queues nothing when no queued route wants it", async () => {
    const router = new Router().respond("block_suggestion", (payload) => ({
      options: [{ text: { type: "plain_text", text: `svc ${payload.value}` }, value: payload.value }],
    }));
    const { ingress, queue } = await start(router);
    const res = await ingress.post(suggestion(), { contentType: FORM });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({
      options: [{ text: { type: "plain_text", text: "svc api" }, value: "api" }],
    });
    expect(queue.published).toHaveLength(0);
  });

  it("is queued as well when a queued route is registered for it", async () => {
    const router = new Router()
      .respond("block_suggestion", () => ({ options: [] }))
      .on("block_suggestion", () => {});
    const { ingress, queue } = await start(router);
    expect((await ingress.post(suggestion(), { contentType: FORM })).status).toBe(200);
    expect(queue.published).toHaveLength(1);
  });

  it("narrows by actionId and blockId (string or RegExp); the first match answers", async () => {
    const router = new Router()
      .respond("block_suggestion", () => ({ options: [] }), { actionId: "other" })
      .respond("block_suggestion", () => ({ option_groups: [] }), {
        actionId: /^pick_/,
        blockId: "service_block",
      });
    const { ingress } = await start(router);
    expect(await (await ingress.post(suggestion(), { contentType: FORM })).json()).toEqual({
      option_groups: [],
    });
  });

  it("a responder that passes its deadline gets Slack an empty options list in time, with a warning and a metric", async () => {
    const router = new Router().respond("block_suggestion", () => new Promise(() => {}), { timeoutMs: 150 });
    const { ingress, metrics, warnings } = await start(router);
    const started = Date.now();
    const res = await ingress.post(suggestion(), { contentType: FORM });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await res.json()).toEqual({ options: [] });
    expect(await responderCount(metrics, "timeout")).toBe(1);
    expect(warnings.join("\n")).toContain("passed its deadline");
  });
});

describe("view_submission (modal validation)", () => {
  it("answers response_action errors, and the submission is still queued and handled once", async () => {
    let handled = 0;
    const router = new Router()
      .respond(
        "view_submission",
        (payload) =>
          payload.view.state.values.service
            ? undefined
            : { response_action: "errors", errors: { service: "pick one" } },
        { callbackId: "deploy_modal" },
      )
      .on("view_submission", () => {
        handled++;
      });
    const { ingress, queue } = await start(router, { withWorker: true });
    const body = submission();
    const res = await ingress.post(body, { contentType: FORM });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ response_action: "errors", errors: { service: "pick one" } });
    expect(queue.published).toHaveLength(1);
    await until(() => handled === 1);
    // Slack's retry of the same submission: answered again, not queued again, not handled again.
    const again = await ingress.post(body, { contentType: FORM, headers: { "x-slack-retry-num": "1" } });
    expect(await again.json()).toEqual({ response_action: "errors", errors: { service: "pick one" } });
    expect(queue.published).toHaveLength(1);
    expect(handled).toBe(1);
  });

  it("an empty answer closes the modal: 200 with no body", async () => {
    const router = new Router().respond("view_submission", () => undefined);
    const { ingress, queue } = await start(router);
    const res = await ingress.post(submission(), { contentType: FORM });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    expect(queue.published).toHaveLength(1);
  });

  it("a responder that throws gets Slack an empty 200 (the modal closes), a warning and a metric", async () => {
    const router = new Router().respond("view_submission", () => {
      throw new Error("validator crashed");
    });
    const { ingress, queue, metrics, warnings } = await start(router);
    const res = await ingress.post(submission(), { contentType: FORM });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    expect(queue.published).toHaveLength(1);
    expect(await responderCount(metrics, "error")).toBe(1);
    expect(warnings.join("\n")).toContain("validator crashed");
  });
});

describe("slash commands", () => {
  it("a string is the immediate reply as text; an object as a JSON message", async () => {
    const router = new Router()
      .respond("/deploy", (cmd) =>
        cmd.text === "text" ? "Deploying…" : { response_type: "in_channel", text: "Deploying" },
      )
      .command("/deploy", () => {});
    const { ingress, queue } = await start(router);
    const plain = await ingress.post(slash("text"), { contentType: FORM });
    expect(plain.headers.get("content-type")).toContain("text/plain");
    expect(await plain.text()).toBe("Deploying…");
    const json = await ingress.post(slash("json"), { contentType: FORM });
    expect(await json.json()).toEqual({ response_type: "in_channel", text: "Deploying" });
    expect(queue.published).toHaveLength(2);
  });

  it("a failed publish is a 503 and the responder's answer does not leak", async () => {
    const router = new Router().respond("/deploy", () => "secret reply");
    const { ingress, queue } = await start(router);
    queue.failPublishes = true;
    const res = await ingress.post(slash(), { contentType: FORM });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(await res.text()).not.toContain("secret reply");
  });

  it("an unsigned request is 401 and runs no responder", async () => {
    let ran = 0;
    const router = new Router().respond("/deploy", () => {
      ran++;
      return "hi";
    });
    const { ingress, queue } = await start(router);
    const res = await ingress.post(slash(), { contentType: FORM, unsigned: true });
    expect(res.status).toBe(401);
    expect(ran).toBe(0);
    expect(queue.published).toHaveLength(0);
  });
});

describe("legacy payloads and class-style responders", () => {
  it("answerDialogSuggestion, answerInteractiveMessage and answerCommand__Deploy answer their payloads", async () => {
    class Bot {
      answerDialogSuggestion() {
        return { options: [{ label: "api", value: "api" }] };
      }
      answerInteractiveMessage() {
        return { text: "replaced", replace_original: true };
      }
      answerCommand__Deploy() {
        return "on it";
      }
    }
    const router = new Router().use(Bot);
    const { ingress, queue } = await start(router);
    const dialog = await ingress.post(
      interactionForm({
        type: "dialog_suggestion",
        user: { id: "U1" },
        team: { id: "T1" },
        callback_id: "d",
        name: "n",
        value: "a",
      }),
      { contentType: FORM },
    );
    expect(await dialog.json()).toEqual({ options: [{ label: "api", value: "api" }] });
    const message = await ingress.post(
      interactionForm({
        type: "interactive_message",
        user: { id: "U1" },
        team: { id: "T1" },
        callback_id: "m",
        trigger_id: "t.1",
      }),
      { contentType: FORM },
    );
    expect(await message.json()).toEqual({ text: "replaced", replace_original: true });
    expect(await (await ingress.post(slash(), { contentType: FORM })).text()).toBe("on it");
    // The dialog lookup is not queued; the message action and the command are.
    expect(queue.published.map((e) => e.kind)).toEqual(["interaction", "command"]);
  });
});

describe("ssl_check", () => {
  it("is answered 200 even unsigned, and publishes nothing", async () => {
    const { ingress, queue } = await start(new Router());
    const res = await ingress.post("ssl_check=1&token=legacy", { contentType: FORM, unsigned: true });
    expect(res.status).toBe(200);
    expect(queue.published).toHaveLength(0);
  });
});
