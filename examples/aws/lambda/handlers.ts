// Your handlers, as for `slackline worker --handlers`: a function that receives a router.
// In your own project: import type { Router } from "slackline";
import type { Router } from "../../../src/handlers/router.js";

export default (router: Router) => {
  router.appMention(async (event, { client, logger }) => {
    logger.info(`mentioned in ${event.channel}`);
    await client?.chat.postMessage({ channel: event.channel, thread_ts: event.ts, text: "On it." });
  });
};
