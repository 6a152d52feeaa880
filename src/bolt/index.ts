/**
 * `slackline/bolt`: run an unchanged Bolt app on Slackline. Nothing here loads unless imported.
 *
 *   const app = new App({ token, receiver: new SlacklineReceiver() });
 */
export { ANSWERED_INLINE } from "./acks.js";
export { SlacklineReceiver } from "./receiver.js";
export { boltRouter, type SlacklineBoltContext } from "./router.js";
