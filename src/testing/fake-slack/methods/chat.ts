import { fail } from "../errors.js";
import type { Params } from "../params.js";
import { permalinkOf, renderMessage } from "../render.js";
import type { MessageMetadata } from "../types.js";
import type { MethodTable } from "./context.js";

function blocksOf(params: Params): unknown[] | undefined {
  const blocks = params.json("blocks", "invalid_blocks_format");
  if (blocks === undefined) return undefined;
  if (!Array.isArray(blocks)) fail("invalid_blocks");
  return blocks as unknown[];
}

function attachmentsOf(params: Params): unknown[] | undefined {
  const attachments = params.json("attachments", "invalid_attachments");
  if (attachments === undefined) return undefined;
  if (!Array.isArray(attachments)) fail("invalid_attachments");
  return attachments as unknown[];
}

/** Slack's message metadata: `{ event_type: string, event_payload: object }`. */
function metadataOf(params: Params): MessageMetadata | undefined {
  const metadata = params.json("metadata", "invalid_metadata_format");
  if (metadata === undefined) return undefined;
  const m = metadata as Partial<MessageMetadata> | null;
  if (
    typeof m !== "object" ||
    m === null ||
    typeof m.event_type !== "string" ||
    m.event_type === "" ||
    typeof m.event_payload !== "object" ||
    m.event_payload === null ||
    Array.isArray(m.event_payload)
  ) {
    return fail("invalid_metadata_schema");
  }
  if (JSON.stringify(m).length > 8192) fail("metadata_too_large");
  return { event_type: m.event_type, event_payload: structuredClone(m.event_payload) };
}

export const chatMethods: MethodTable = {
  "chat.postMessage": ({ ws, caller, params }) => {
    const channel = ws.memberChannel(params.required("channel", "channel_not_found"), caller.user_id);
    if (channel.is_archived) fail("is_archived");
    const text = params.string("text") ?? "";
    const blocks = blocksOf(params);
    const attachments = attachmentsOf(params);
    if (text === "" && !blocks?.length && !attachments?.length) fail("no_text");
    const thread_ts = params.string("thread_ts");
    const message = ws.post(channel.id, {
      user: caller.user_id,
      bot_id: caller.bot_id,
      app_id: caller.app_id,
      text,
      blocks,
      attachments,
      metadata: metadataOf(params),
      thread_ts,
      subtype: thread_ts && params.bool("reply_broadcast") ? "thread_broadcast" : undefined,
    });
    return { channel: channel.id, ts: message.ts, message: renderMessage(ws, message, { metadata: true }) };
  },

  "chat.update": ({ ws, caller, params }) => {
    const channel = ws.memberChannel(params.required("channel", "channel_not_found"), caller.user_id);
    const ts = params.required("ts", "message_not_found");
    const message = ws.update(channel.id, ts, caller.user_id, {
      text: params.string("text"),
      blocks: blocksOf(params),
      metadata: metadataOf(params),
    });
    return {
      channel: channel.id,
      ts,
      text: message.text,
      message: renderMessage(ws, message, { metadata: true }),
    };
  },

  "chat.delete": ({ ws, caller, params }) => {
    const channel = ws.memberChannel(params.required("channel", "channel_not_found"), caller.user_id);
    const ts = params.required("ts", "message_not_found");
    ws.delete(channel.id, ts, caller.user_id);
    return { channel: channel.id, ts };
  },

  "chat.getPermalink": ({ ws, caller, params }) => {
    const channel = ws.memberChannel(params.required("channel", "channel_not_found"), caller.user_id);
    const message = ws.existing(channel.id, params.required("message_ts", "message_not_found"));
    return { channel: channel.id, permalink: permalinkOf(ws, message) };
  },

  /** Only `user` sees it; it is kept in `ws.ephemerals`, never in history. */
  "chat.postEphemeral": ({ ws, caller, params }) => {
    const channel = ws.memberChannel(params.required("channel", "channel_not_found"), caller.user_id);
    if (channel.is_archived) fail("is_archived");
    const user = params.required("user", "user_not_found");
    if (!ws.users.has(user)) fail("user_not_found");
    if (!ws.isMember(channel, user)) fail("user_not_in_channel");
    const text = params.string("text") ?? "";
    const blocks = blocksOf(params);
    if (text === "" && !blocks?.length) fail("no_text");
    const message_ts = ws.clock.next();
    const thread_ts = params.string("thread_ts");
    ws.ephemerals.push({
      channel: channel.id,
      user,
      message_ts,
      text,
      from: caller.user_id,
      ...(blocks ? { blocks } : {}),
      ...(thread_ts ? { thread_ts } : {}),
    });
    return { message_ts };
  },
};
