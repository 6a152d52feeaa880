import type { BackendInfo } from "../../queue/types.js";

/** The test runner the generated test is written for. */
export type TestRunner = "node" | "vitest";

export const HANDLERS_TS = `// Your Slack app's handlers. \`npm run dev\` runs them (slackline start --dev --handlers handlers.ts).
import { Router } from "slackline";

const router = new Router();

// Someone mentioned the app: answer in the thread. \`client\` is a Web API client when
// SLACK_BOT_TOKEN is set (undefined otherwise, hence the ?.).
router.appMention(async (event, { client, logger }) => {
  logger.info({ channel: event.channel, user: event.user }, "mentioned");
  await client?.chat.postMessage({ channel: event.channel, thread_ts: event.ts, text: "On it." });
});

// A slash command: reply through its response_url.
router.command("/hello", async (command, { respond }) => {
  await respond({ response_type: "ephemeral", text: \`Hello, <@\${command.user_id}>!\` });
});

export default router;
`;

const TEST_IMPORT: Record<TestRunner, string> = {
  node: 'import { test } from "node:test";',
  vitest: 'import { test } from "vitest";',
};

/** The handlers' test: a fake Slack, signed requests over real HTTP, a real worker. */
export function handlersTest(runner: TestRunner): string {
  return `// The handlers' test: slackline/testing's fake Slack Web API, requests signed as Slack signs them,
// posted over real HTTP to Slackline's ingress, and a real worker running ./handlers.ts.
// Run it with \`npm test\`.
import assert from "node:assert/strict";
${TEST_IMPORT[runner]}
import { FakeSlack, TestApp } from "slackline/testing";
import handlers from "./handlers.ts";

test("an app_mention is answered in its thread, and Slack's retry of it runs nothing", async () => {
  const slack = await FakeSlack.start({
    seed: {
      users: [{ id: "U_ALICE", name: "alice" }],
      channels: [{ id: "C_GENERAL", name: "general" }],
    },
  });
  // The ingress and a worker in this process, on the in-memory queue; handlers get a client
  // pointed at the fake Slack.
  const app = await TestApp.start({ handlers, slack });
  try {
    const mention = slack.addMessage("C_GENERAL", { user: "U_ALICE", text: "<@U0BOT> deploy, please" });
    const event = {
      type: "event_callback",
      team_id: "T0FAKE",
      event_id: "Ev0TEST00001",
      event_time: Math.floor(Date.now() / 1000),
      event: { type: "app_mention", user: "U_ALICE", text: mention.text, ts: mention.ts, channel: "C_GENERAL" },
    };

    const sent = await app.send(event);
    assert.equal(sent.status, 200);
    assert.equal(sent.outcome, "accepted");

    // Resolves once the worker settled it: which routes ran, on which attempt, any error.
    const outcome = await app.handled(sent.id!);
    assert.deepEqual(
      outcome.history.map((s) => [s.result, s.routes]),
      [["acked", ["app_mention"]]],
    );
    assert.deepEqual(
      slack.replies("C_GENERAL", mention.ts).map((m) => m.text),
      ["On it."],
    );

    // Slack retries what it thinks went unanswered: same event_id, dropped at the ingress.
    const retry = await app.send(event, { retry: 1 });
    assert.equal(retry.outcome, "duplicate");
  } finally {
    await app.close();
    await slack.close();
  }
});

test("/hello replies through the command's response_url", async () => {
  const slack = await FakeSlack.start();
  const app = await TestApp.start({ handlers, slack });
  try {
    const responseUrl = slack.responseUrl();
    const sent = await app.send({
      command: "/hello",
      text: "",
      user_id: "U_ALICE",
      channel_id: "C_GENERAL",
      team_id: "T0FAKE",
      trigger_id: "1337.42.trigger",
      response_url: responseUrl,
    });
    await app.handled(sent.id!);
    assert.deepEqual(slack.responses(responseUrl), [
      { response_type: "ephemeral", text: "Hello, <@U_ALICE>!" },
    ]);
  } finally {
    await app.close();
    await slack.close();
  }
});
`;
}

/** An app_mention as Slack sends it, for `slackline send`. */
export const APP_MENTION_JSON = `${JSON.stringify(
  {
    token: "unused-verification-token",
    team_id: "T0001",
    api_app_id: "A0001",
    type: "event_callback",
    event_id: "Ev0INIT00001",
    event_time: 1700000000,
    event: {
      type: "app_mention",
      user: "U0001",
      text: "<@U0BOT> hello",
      ts: "1700000000.000100",
      channel: "C0001",
      event_ts: "1700000000.000100",
    },
  },
  null,
  2,
)}\n`;

const COMMON_VARIABLES = ["SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "QUEUE_BACKEND", "PORT", "HOST"];

/** `.env.example`: what Slackline reads, then every variable the chosen backend reads. */
export function envExample(backend: BackendInfo): string {
  const own = backend.envVars.filter((v) => !COMMON_VARIABLES.includes(v));
  const lines = [
    "# Copy to .env (never commit .env). Real environment variables win over it.",
    "",
    "# Your Slack app's signing secret (Basic Information page). Without it, `slackline start --dev`",
    "# makes a development secret in .slackline/ that `slackline send` signs with.",
    "# SLACK_SIGNING_SECRET=",
    "# Bot token (OAuth & Permissions): gives handlers a Web API client.",
    "# SLACK_BOT_TOKEN=xoxb-",
    "",
    `# Queue backend: ${backend.description}`,
    `QUEUE_BACKEND=${backend.name}`,
  ];
  if (own.length > 0) {
    lines.push(`# What the ${backend.name} backend reads (unset: its defaults; see the README and docs/):`);
    for (const name of own) lines.push(`# ${name}=`);
  } else {
    lines.push(`# The ${backend.name} backend reads no other setting.`);
  }
  lines.push(
    "",
    "# Where the ingress listens (Slack's Request URL is http://HOST:PORT/slack/events).",
    "# PORT=3000",
    "# HOST=127.0.0.1",
    "# LOG_LEVEL=info",
    "",
  );
  return lines.join("\n");
}

export const GITIGNORE = "node_modules/\n.env\n.slackline/\n";

export const TSCONFIG_JSON = `${JSON.stringify(
  {
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      skipLibCheck: true,
    },
    include: ["*.ts"],
  },
  null,
  2,
)}\n`;
