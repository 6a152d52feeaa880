// The peer: Bolt's HTTPReceiver (@slack/bolt) with a no-op listener, as a Bolt app receives events.
// botId and botUserId are given so Bolt makes no auth.test call; logs at error level only.
import bolt from "@slack/bolt";

const { App, HTTPReceiver, LogLevel } = bolt;
const receiver = new HTTPReceiver({
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  logLevel: LogLevel.ERROR,
});
const app = new App({
  receiver,
  token: "xoxb-bench",
  botId: "B0BENCH",
  botUserId: "U0BOT",
  logLevel: LogLevel.ERROR,
});
app.event("app_mention", async () => {});
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
const port = Number(process.env.PORT);
await app.start({ port, host: "127.0.0.1" });
console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/slack/events` }));
