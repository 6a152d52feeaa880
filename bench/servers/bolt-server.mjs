// The peer: Bolt's HTTPReceiver (@slack/bolt) with a no-op listener, as a Bolt app receives events.
// botId and botUserId are given so Bolt makes no auth.test call; logs at error level only.
// The bolt case sets BENCH_LISTENER_MS for the slow listener of slow-listener.mjs instead, and
// BOLT_PROCESS_BEFORE_RESPONSE=1 to ack only once the listener is done (processBeforeResponse).
import bolt from "@slack/bolt";

const { App, HTTPReceiver, LogLevel } = bolt;
const receiver = new HTTPReceiver({
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  processBeforeResponse: process.env.BOLT_PROCESS_BEFORE_RESPONSE === "1",
  logLevel: LogLevel.ERROR,
});
const app = new App({
  receiver,
  token: "xoxb-bench",
  botId: "B0BENCH",
  botUserId: "U0BOT",
  logLevel: LogLevel.ERROR,
});
if (process.env.BENCH_LISTENER_MS) (await import("./slow-listener.mjs")).slowListener(app);
else app.event("app_mention", async () => {});
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
const port = Number(process.env.PORT);
await app.start({ port, host: "127.0.0.1" });
console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/slack/events` }));
