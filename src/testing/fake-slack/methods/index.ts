export { type AppCallContext, type AppMethodTable, appMethods } from "./apps.js";

import { chatMethods } from "./chat.js";
import type { MethodTable } from "./context.js";
import { conversationMethods } from "./conversations.js";
import { miscMethods } from "./misc.js";
import { pinMethods } from "./pins.js";
import { reactionMethods } from "./reactions.js";

export type { CallContext, MethodHandler, MethodTable } from "./context.js";

/** Every Web API method the fake answers. */
export const methods: MethodTable = {
  ...miscMethods,
  ...chatMethods,
  ...conversationMethods,
  ...reactionMethods,
  ...pinMethods,
};
