import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSlack } from "../../src/testing/fake-slack.js";
import { ROOT, type Running, readRecords, runSlackline, spawnSlackline, tempDir } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";

// The example module of inline answers, through the real CLI: `slackline start --handlers` and
// `slackline send`, with the fake Slack serving the command's response_url.
const SECRET = "e2e-inline-secret";
const EXAMPLE = join(ROOT, "examples/interactive.ts");
const PAYLOADS = join(ROOT, "examples/payloads");

let slack: FakeSlack;
let app: Running;
let url: string;
let env: Record<string, string>;

beforeAll(async () => {
  slack = await FakeSlack.start({ seed: { channels: [{ id: "C2147483705", name: "general" }] } });
  env = {
    SLACK_SIGNING_SECRET: SECRET,
    SLACKLINE_DATA_DIR: tempDir(),
    QUEUE_BACKEND: "sqlite",
    PORT: "0",
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.apiUrl,
  };
  app = spawnSlackline(["start", "--handlers", EXAMPLE], env);
  url = await app.url;
}, 30_000);
afterAll(async () => {
  await app?.kill();
  await slack?.close();
});

const send = (file: string, ...flags: string[]) =>
  runSlackline(["send", file, "--url", `${url}/slack/events`, ...flags], env);

describe("inline answers through slackline start and send", () => {
  it("send prints the options an external select would show", async () => {
    const { code, stdout } = await send(join(PAYLOADS, "block_suggestion.json"));
    expect(code).toBe(0);
    expect(stdout).toContain("200 OK");
    const body = JSON.parse(stdout.slice(stdout.indexOf("{")));
    expect(body.options.map((o: { value: string }) => o.value)).toEqual(["billing"]);
  });

  it("send prints the modal's field error", async () => {
    const { stdout } = await send(join(PAYLOADS, "view_submission.json"), "--fresh");
    expect(JSON.parse(stdout.slice(stdout.indexOf("{")))).toEqual({
      response_action: "errors",
      errors: { service: "Pick one of the services" },
    });
  });

  it("a command gets its immediate reply, then the worker's follow-up reaches the response_url", async () => {
    const responseUrl = slack.responseUrl();
    const payload = JSON.parse(readFileSync(join(PAYLOADS, "deploy_command.json"), "utf8"));
    const file = join(tempDir(), "deploy.json");
    writeFileSync(file, JSON.stringify({ ...payload, response_url: responseUrl }));
    const { stdout } = await send(file, "--fresh");
    expect(JSON.parse(stdout.slice(stdout.indexOf("{")))).toEqual({
      response_type: "ephemeral",
      text: "Deploying billing…",
    });
    await until(() => slack.responses(responseUrl).length === 1, 10_000);
    expect(slack.responses(responseUrl)).toEqual([
      { response_type: "in_channel", text: "Deployed billing." },
    ]);
  });
});

describe("slackline gateway --handlers", () => {
  it("answers inline without a worker, and queues the command for one", async () => {
    const dataDir = tempDir();
    const gateway = spawnSlackline(["gateway", "--handlers", EXAMPLE], {
      ...env,
      SLACKLINE_DATA_DIR: dataDir,
    });
    try {
      const gatewayUrl = await gateway.url;
      const { stdout } = await runSlackline(
        ["send", join(PAYLOADS, "deploy_command.json"), "--fresh", "--url", `${gatewayUrl}/slack/events`],
        env,
      );
      expect(stdout).toContain("Deploying billing");
    } finally {
      await gateway.kill();
    }
    // The command waited in the queue: a worker started afterwards runs it.
    const records = join(dataDir, "records.jsonl");
    const worker = spawnSlackline(
      ["worker", "--handlers", join(ROOT, "test/fixtures/recording-handlers.ts")],
      {
        ...env,
        SLACKLINE_DATA_DIR: dataDir,
        RECORD_FILE: records,
      },
    );
    try {
      await until(
        () => readRecords(records).some((r) => r.route === "/deploy" && r.phase === "done"),
        15_000,
      );
    } finally {
      await worker.kill();
    }
  });
});
