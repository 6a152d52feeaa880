// The bolt case's Slackline target: the Bolt app bolt-server.mjs runs in that case (the slow
// listener of slow-listener.mjs), built with Slackline's receiver and exported for
// `slackline start --handlers bench/servers/bolt-slow-app.mjs`. "slackline/bolt" is this package's
// own export, so it is the built code (dist/). With a token and botId + botUserId, Bolt makes no
// auth.test call (a token alone would make one at the first event: tokenVerificationEnabled: false
// only defers it).
import bolt from "@slack/bolt";
import { SlacklineReceiver } from "slackline/bolt";
import { slowListener } from "./slow-listener.mjs";

const { App, LogLevel } = bolt;
const app = new App({
  receiver: new SlacklineReceiver(),
  token: "xoxb-bench",
  botId: "B0BENCH",
  botUserId: "U0BOT",
  logLevel: LogLevel.ERROR,
});
slowListener(app);
export default app;
