import { openConversation } from "../direct-messages.js";
import { fail } from "../errors.js";
import { clampLimit, decodeCursor, pageOf } from "../pagination.js";
import type { Params } from "../params.js";
import { renderChannel, renderMessage } from "../render.js";
import { compareTs, tsMicros } from "../ts.js";
import type { FakeChannel, StoredMessage } from "../types.js";
import type { Workspace } from "../workspace.js";
import type { MethodTable } from "./context.js";

/** `oldest` / `latest` bounds; exclusive unless `inclusive`, as Slack documents. */
function inRange(params: Params): (m: StoredMessage) => boolean {
  const bound = (name: string, code: string): number | undefined => {
    const raw = params.string(name);
    if (raw === undefined) return undefined;
    if (!/^\d+(\.\d+)?$/.test(raw)) fail(code);
    return tsMicros(raw);
  };
  const oldest = bound("oldest", "invalid_ts_oldest") ?? 0;
  const latest = bound("latest", "invalid_ts_latest") ?? Number.POSITIVE_INFINITY;
  const inclusive = params.bool("inclusive");
  return (m) => {
    const t = tsMicros(m.ts);
    return inclusive ? t >= oldest && t <= latest : t > oldest && t < latest;
  };
}

function listable(ws: Workspace, channel: FakeChannel, types: Set<string>, viewer: string): boolean {
  if (channel.is_im) return types.has("im") && ws.isMember(channel, viewer);
  if (channel.is_mpim) return types.has("mpim") && ws.isMember(channel, viewer);
  if (channel.is_private) return types.has("private_channel") && ws.isMember(channel, viewer);
  return types.has("public_channel");
}

const TYPES = new Set(["public_channel", "private_channel", "mpim", "im"]);

/** The `types` a listing asked for (public channels by default); `invalid_types` for an unknown one. */
function requestedTypes(params: Params): Set<string> {
  const requested = (params.string("types") ?? "public_channel").split(",").map((t) => t.trim());
  for (const t of requested) if (!TYPES.has(t)) fail("invalid_types");
  return new Set(requested);
}

/** A page of channels after `from` (a decoded `next_id` cursor), rendered for `viewer`. */
function channelPage(
  ws: Workspace,
  channels: FakeChannel[],
  params: Params,
  from: string | undefined,
  viewer: string,
) {
  const page = pageOf(channels, {
    limit: clampLimit(params.int("limit", 100), 100, 1000),
    prefix: "next_id",
    key: (c) => c.id,
    from: from === undefined ? undefined : (c) => c.id === from,
  });
  return {
    channels: page.items.map((c) => renderChannel(ws, c, viewer)),
    response_metadata: { next_cursor: page.next_cursor },
  };
}

export const conversationMethods: MethodTable = {
  "conversations.history": ({ ws, caller, params }) => {
    const channel = ws.memberChannel(params.required("channel", "channel_not_found"), caller.user_id);
    const cursor = params.string("cursor");
    const from = cursor === undefined ? undefined : decodeCursor(cursor, "next_ts");
    const metadata = params.bool("include_all_metadata");
    // Newest first, as Slack returns a channel's history.
    const messages = ws
      .timeline(channel.id)
      .filter(inRange(params))
      .sort((a, b) => compareTs(b.ts, a.ts));
    const page = pageOf(messages, {
      limit: clampLimit(params.int("limit", 100), 100, 999),
      prefix: "next_ts",
      key: (m) => m.ts,
      from: from === undefined ? undefined : (m) => compareTs(m.ts, from) <= 0,
    });
    return {
      messages: page.items.map((m) => renderMessage(ws, m, { metadata })),
      has_more: page.has_more,
      pin_count: ws.pins(channel.id).length,
      response_metadata: { next_cursor: page.next_cursor },
    };
  },

  "conversations.replies": ({ ws, caller, params }) => {
    const channel = ws.memberChannel(params.required("channel", "channel_not_found"), caller.user_id);
    const ts = params.required("ts", "thread_not_found");
    const cursor = params.string("cursor");
    const from = cursor === undefined ? undefined : decodeCursor(cursor, "next_ts");
    const metadata = params.bool("include_all_metadata");
    const [parent, ...replies] = ws.thread(channel.id, ts);
    const inBounds = inRange(params);
    const messages = [parent!, ...replies.filter(inBounds)];
    const page = pageOf(messages, {
      limit: clampLimit(params.int("limit", 1000), 1000, 1000),
      prefix: "next_ts",
      key: (m) => m.ts,
      from: from === undefined ? undefined : (m) => compareTs(m.ts, from) >= 0,
    });
    return {
      messages: page.items.map((m) => renderMessage(ws, m, { metadata })),
      has_more: page.has_more,
      response_metadata: { next_cursor: page.next_cursor },
    };
  },

  "conversations.list": ({ ws, caller, params }) => {
    const types = requestedTypes(params);
    const excludeArchived = params.bool("exclude_archived");
    const cursor = params.string("cursor");
    const from = cursor === undefined ? undefined : decodeCursor(cursor, "next_id");
    const channels = ws
      .listChannels()
      .filter((c) => listable(ws, c, types, caller.user_id) && !(excludeArchived && c.is_archived));
    if (from !== undefined && !channels.some((c) => c.id === from)) fail("invalid_cursor");
    return channelPage(ws, channels, params, from, caller.user_id);
  },

  "conversations.info": ({ ws, caller, params }) => {
    const channel = ws.channel(params.required("channel", "channel_not_found"));
    const member = ws.isMember(channel, caller.user_id);
    // Slack hides private conversations from non-members.
    if ((channel.is_private || channel.is_im || channel.is_mpim) && !member) fail("channel_not_found");
    const out = renderChannel(ws, channel, caller.user_id);
    // A member's read state, as Slack reports it to user tokens.
    if (caller.kind === "user" && member) {
      const unread = ws.unreadOf(channel.id, caller.user_id);
      out.last_read = ws.lastReadOf(channel.id, caller.user_id);
      out.unread_count = unread.length;
      out.unread_count_display = unread.length;
    }
    return { channel: out };
  },

  "conversations.mark": ({ ws, caller, params }) => {
    const channel = ws.memberChannel(params.required("channel", "channel_not_found"), caller.user_id);
    const ts = params.required("ts", "invalid_timestamp");
    if (!/^\d+(\.\d+)?$/.test(ts)) fail("invalid_timestamp");
    ws.markRead(channel.id, caller.user_id, ts);
    return {};
  },

  /** The conversations a user (the caller by default) is a member of. */
  "users.conversations": ({ ws, caller, params }) => {
    const types = requestedTypes(params);
    const user = params.string("user") ?? caller.user_id;
    if (!ws.users.has(user)) fail("user_not_found");
    const cursor = params.string("cursor");
    const from = cursor === undefined ? undefined : decodeCursor(cursor, "next_id");
    const channels = ws
      .listChannels()
      .filter(
        (c) =>
          ws.isMember(c, user) &&
          listable(ws, c, types, user) &&
          !(params.bool("exclude_archived") && c.is_archived),
      );
    return channelPage(ws, channels, params, from, caller.user_id);
  },

  /** The IM with one user, or the MPIM of several (the caller included), opened if need be. */
  "conversations.open": ({ ws, caller, params }) => {
    const existing = params.string("channel");
    if (existing !== undefined) {
      const channel = ws.memberChannel(existing, caller.user_id);
      return { no_op: true, already_open: true, channel: { id: channel.id } };
    }
    const users = (params.string("users") ?? "")
      .split(",")
      .map((u) => u.trim())
      .filter((u) => u !== "" && u !== caller.user_id);
    if (users.length === 0) fail("users_list_not_supplied");
    if (users.length > 8) fail("too_many_users");
    for (const u of users) if (!ws.users.has(u)) fail("user_not_found");
    if (users.some((u) => ws.users.get(u)!.deleted)) fail("user_disabled");
    const { channel, created } = openConversation(ws, [caller.user_id, ...users]);
    return {
      ...(created ? {} : { no_op: true, already_open: true }),
      channel: params.bool("return_im") ? renderChannel(ws, channel, caller.user_id) : { id: channel.id },
    };
  },

  "conversations.join": ({ ws, caller, params }) => {
    const channel = ws.channel(params.required("channel", "channel_not_found"));
    if (channel.is_private || channel.is_im || channel.is_mpim) fail("method_not_supported_for_channel_type");
    if (channel.is_archived) fail("is_archived");
    ws.addMember(channel.id, caller.user_id);
    return { channel: renderChannel(ws, channel, caller.user_id) };
  },
};
