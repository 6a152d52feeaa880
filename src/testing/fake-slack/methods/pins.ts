import { fail } from "../errors.js";
import { renderMessage } from "../render.js";
import type { MethodTable } from "./context.js";

export const pinMethods: MethodTable = {
  "pins.add": ({ ws, caller, params }) => {
    const channel = ws.memberChannel(params.required("channel", "channel_not_found"), caller.user_id);
    const ts = params.string("timestamp") ?? fail("no_item_specified");
    ws.pin(channel.id, ts, caller.user_id);
    return {};
  },

  "pins.remove": ({ ws, caller, params }) => {
    const channel = ws.memberChannel(params.required("channel", "channel_not_found"), caller.user_id);
    const ts = params.string("timestamp") ?? fail("no_item_specified");
    ws.unpin(channel.id, ts);
    return {};
  },

  /** Newest pin first; each item says who pinned it (`created_by`) and when (`created`, seconds). */
  "pins.list": ({ ws, caller, params }) => {
    const channel = ws.memberChannel(params.required("channel", "channel_not_found"), caller.user_id);
    const items = ws
      .pins(channel.id)
      .reverse()
      .map((pin) => ({
        type: "message",
        created: pin.created,
        created_by: pin.created_by,
        channel: channel.id,
        message: renderMessage(ws, ws.existing(channel.id, pin.ts), { metadata: false }),
      }));
    return { items };
  },
};
