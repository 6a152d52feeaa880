export { type AppCallContext, type AppMethodTable, appMethods } from "./apps.js";

import { chatMethods } from "./chat.js";
import type { MethodTable } from "./context.js";
import { conversationMethods } from "./conversations.js";
import { fileMethods } from "./files.js";
import { miscMethods } from "./misc.js";
import { pinMethods } from "./pins.js";
import { reactionMethods } from "./reactions.js";
import { searchMethods } from "./search.js";
import { userMethods } from "./users.js";

export type { CallContext, MethodHandler, MethodTable } from "./context.js";

/** Every Web API method the fake answers. */
export const methods: MethodTable = {
  ...miscMethods,
  ...chatMethods,
  ...conversationMethods,
  ...reactionMethods,
  ...pinMethods,
  ...userMethods,
  ...searchMethods,
  ...fileMethods,
};
