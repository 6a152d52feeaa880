import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSlack } from "../../src/testing/fake-slack.js";
import { ROOT, runSlackline, spawnSlackline, tempDir } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";

// examples/bolt/app.ts, an unchanged Bolt app, run by the real CLI and by its own app.start().
const SECRET = "e2e-bolt-secret";
const APP = join(ROOT, "examples/bolt/app.ts");
const PAYLOADS = join(ROOT, "examples/payloads");

let slack: FakeSlack;
let env: Record<string, string>;

beforeAll(async () => {
  slack = await FakeSlack.start({
    seed: {
      channels: [
        { id: "C2147483705", name: "general" },
        {
          id: "C0LAN2Q65",
          name: "river",
          messages: [{ ts: "1515449522.000016", text: "is it everything a river should be?" }],
        },
      ],
    },
  });
  env = {
    SLACK_SIGNING_SECRET: SECRET,
    QUEUE_BACKEND: "sqlite",
    PORT: "0",
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.apiUrl,
  };
});
afterAll(() => slack?.close());

/** The command payload with this test's response_url and a fresh trigger. */
function commandFile(responseUrl: string): string {
  const payload = JSON.parse(readFileSync(join(PAYLOADS, "deploy_command.json"), "utf8"));
  const file = join(tempDir(), "deploy.json");
  writeFileSync(
    file,
    JSON.stringify({ ...payload, response_url: responseUrl, trigger_id: `t.${Date.now()}` }),
  );
  return file;
}

describe("a Bolt app on Slackline", () => {
  it("slackline start --handlers app.ts: the command's ack is the answer, the follow-up runs in the worker", async () => {
    const app = spawnSlackline(["start", "--handlers", APP], { ...env, SLACKLINE_DATA_DIR: tempDir() });
    try {
      const url = await app.url;
      const responseUrl = slack.responseUrl();
      const sent = await runSlackline(
        ["send", commandFile(responseUrl), "--url", `${url}/slack/events`],
        env,
      );
      expect(sent.stdout).toContain("Deploying billing…");
      await until(() => slack.responses(responseUrl).length === 1, 15_000);
      expect(slack.responses(responseUrl)).toEqual([
        { response_type: "in_channel", text: "Deployed billing." },
      ]);
      const mention = await runSlackline(
        ["send", join(PAYLOADS, "app_mention.json"), "--fresh", "--url", `${url}/slack/events`],
        env,
      );
      expect(mention.stdout).toContain("200 OK");
      await until(
        () => slack.replies("C0LAN2Q65", "1515449522.000016").some((m) => m.text === "On it."),
        15_000,
      ).catch((err) => {
        throw new Error(`${err.message}\n${app.output()}\n${JSON.stringify(slack.calls)}`);
      });
    } finally {
      await app.kill();
    }
  });

  it("app.start() runs ingress and worker in the app's own process, and SIGTERM drains it", async () => {
    const proc = spawn(process.execPath, ["--import", "tsx", join(ROOT, "test/fixtures/bolt-start.ts")], {
      cwd: ROOT,
      env: { ...process.env, ...env, SLACKLINE_DATA_DIR: tempDir(), LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    proc.stdout.on("data", (c) => (out += c));
    proc.stderr.on("data", (c) => (out += c));
    const exited = new Promise<number | null>((res) => proc.on("exit", (code) => res(code)));
    try {
      await until(() => /"url":"(http:\/\/[^"]+)\/slack\/events"/.test(out), 20_000);
      const url = /"url":"(http:\/\/[^"]+)\/slack\/events"/.exec(out)![1]!;
      const responseUrl = slack.responseUrl();
      const sent = await runSlackline(
        ["send", commandFile(responseUrl), "--url", `${url}/slack/events`],
        env,
      );
      expect(sent.stdout).toContain("Deploying billing…");
      await until(() => slack.responses(responseUrl).length === 1, 15_000);
    } finally {
      proc.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
