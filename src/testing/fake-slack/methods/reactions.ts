import { fail } from "../errors.js";
import type { Params } from "../params.js";
import { renderMessage } from "../render.js";
import type { MethodTable } from "./context.js";

/** Emoji names as Slack takes them: no colons, an optional skin tone. */
const EMOJI_NAME = /^[a-z0-9_+'-]+(::skin-tone-[2-6])?$/;

function target(params: Params): { channel: string; timestamp: string } {
  const channel = params.string("channel");
  const timestamp = params.string("timestamp");
  if (channel === undefined || timestamp === undefined) return fail("no_item_specified");
  return { channel, timestamp };
}

function emojiName(params: Params): string {
  const name = params.string("name");
  if (name === undefined || !EMOJI_NAME.test(name)) fail("invalid_name");
  return name!;
}

export const reactionMethods: MethodTable = {
  "reactions.add": ({ ws, caller, params }) => {
    const name = emojiName(params);
    const { channel, timestamp } = target(params);
    const c = ws.memberChannel(channel, caller.user_id);
    ws.react(c.id, timestamp, name, caller.user_id);
    return {};
  },

  "reactions.remove": ({ ws, caller, params }) => {
    const name = emojiName(params);
    const { channel, timestamp } = target(params);
    const c = ws.memberChannel(channel, caller.user_id);
    ws.unreact(c.id, timestamp, name, caller.user_id);
    return {};
  },

  "reactions.get": ({ ws, caller, params }) => {
    const { channel, timestamp } = target(params);
    const c = ws.memberChannel(channel, caller.user_id);
    const message = ws.existing(c.id, timestamp);
    return { type: "message", channel: c.id, message: renderMessage(ws, message, { metadata: false }) };
  },
};
