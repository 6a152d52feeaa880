// The example handlers `npm start` runs, one route for each file in payloads/. In a project of
// your own, `npx slackline init` writes a smaller one with its test; run either with
//   slackline start --handlers ./handlers.ts
import { Router } from "slackline";

const router = new Router();

router.appMention(async (event, { client, logger }) => {
  logger.info({ channel: event.channel, user: event.user }, `mentioned: ${event.text}`);
  // With SLACK_BOT_TOKEN set, answer in the thread.
  await client?.chat.postMessage({ channel: event.channel, thread_ts: event.ts, text: "On it." });
});

// Slack's subscription names: every message in an IM, subtypes included...
router.on("message.im", (event, { logger }) => {
  logger.info({ channel: event.channel }, "direct message");
});

// ...and every message in a public channel the app is in (payloads/message_channel.json).
router.on("message.channels", (event, { logger }) => {
  logger.info({ channel: event.channel }, "channel message");
});

router.on("message.bot_message", (event, { logger }) => {
  logger.info({ bot: event.bot_id }, "a bot posted");
});

router.on("reaction_added", (event, { logger }) => {
  logger.info({ reaction: event.reaction, item: event.item }, "reaction added");
});

router.action((payload, { logger }) => {
  logger.info({ actions: payload.actions.map((a) => a.action_id) }, "button clicked");
});

router.command("/deploy", (command, { logger }) => {
  logger.info({ text: command.text, user: command.user_id }, "deploy requested");
});

export default router;
