// An unchanged Bolt app on Slackline: the only new lines are the receiver's import and option.
//   slackline start --dev --handlers examples/bolt/app.ts
//   slackline send examples/payloads/app_mention.json
// Every listener kind works; those whose ack() body Slack reads (options, view submissions,
// commands) answer Slack inline, and everything after ack() runs in the worker, durably.
import { App, LogLevel } from "@slack/bolt";
import { SlacklineReceiver } from "slackline/bolt";

const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  receiver: new SlacklineReceiver(),
  // Tests and local runs point the client at a fake Slack; in production leave SLACK_API_URL unset.
  ...(process.env.SLACK_API_URL ? { clientOptions: { slackApiUrl: process.env.SLACK_API_URL } } : {}),
  // Without a token (a first local run), authorize with a placeholder so listeners still run.
  ...(process.env.SLACK_BOT_TOKEN
    ? {}
    : { authorize: async () => ({ botId: "B0LOCAL", botUserId: "U0LOCAL" }) }),
  logLevel: LogLevel.INFO,
});

app.event("app_mention", async ({ event, say, logger }) => {
  logger.info(`mentioned in ${event.channel}`);
  if (process.env.SLACK_BOT_TOKEN) await say({ text: "On it.", thread_ts: event.ts });
});

app.command("/deploy", async ({ command, ack, respond }) => {
  await ack(`Deploying ${command.text}…`);
  // After ack(): runs once, in the worker, retried on failure.
  await respond({ response_type: "in_channel", text: `Deployed ${command.text}.` });
});

app.view("deploy_modal", async ({ ack, view }) => {
  const picked = view.state.values.service?.pick_service?.selected_option?.value;
  if (!picked) return ack({ response_action: "errors", errors: { service: "Pick a service" } });
  await ack();
});

app.options("pick_service", async ({ ack, options }) => {
  const services = ["api", "billing", "search", "web"].filter((s) => s.startsWith(options.value));
  await ack({ options: services.map((s) => ({ text: { type: "plain_text", text: s }, value: s })) });
});

app.error(async (error) => {
  console.error("listener failed:", error.message);
});

export default app;
