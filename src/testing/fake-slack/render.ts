import type { FakeChannel, FakeFile, FakeReaction, FakeUser, FakeUsergroup, StoredMessage } from "./types.js";
import type { Workspace } from "./workspace.js";

export function renderReactions(message: StoredMessage): FakeReaction[] {
  return [...message.reactions].map(([name, users]) => ({ name, users: [...users], count: users.length }));
}

/**
 * A message as the Web API returns it. Metadata comes back only when asked for
 * (`include_all_metadata`), except in the chat.postMessage answer, as Slack does.
 */
export function renderMessage(
  ws: Workspace,
  message: StoredMessage,
  options: { metadata: boolean },
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: "message",
    user: message.user,
    text: message.text,
    ts: message.ts,
    team: ws.team.id,
  };
  if (message.subtype) out.subtype = message.subtype;
  if (message.bot_id) out.bot_id = message.bot_id;
  if (message.app_id) out.app_id = message.app_id;
  if (message.blocks) out.blocks = message.blocks;
  if (message.attachments) out.attachments = message.attachments;
  if (message.edited) out.edited = { ...message.edited };
  if (message.files) {
    out.files = message.files
      .map((id) => ws.files.find(id))
      .filter((f) => f !== undefined)
      .map((f) => renderFile(ws, f));
    out.upload = true;
  }
  if (options.metadata && message.metadata) out.metadata = structuredClone(message.metadata);
  if (message.thread_ts) {
    out.thread_ts = message.thread_ts;
    if (message.thread_ts === message.ts) {
      const replies = message.replies
        .map((ts) => ws.message(message.channel, ts))
        .filter((m) => m !== undefined);
      const users = [...new Set(replies.map((r) => r.user))];
      out.reply_count = replies.length;
      out.reply_users = users;
      out.reply_users_count = users.length;
      if (replies.length > 0) out.latest_reply = replies[replies.length - 1]!.ts;
    } else {
      out.parent_user_id = ws.message(message.channel, message.thread_ts)?.user;
    }
  }
  if (message.reactions.size > 0) out.reactions = renderReactions(message);
  if (ws.isPinned(message.channel, message.ts)) out.pinned_to = [message.channel];
  return out;
}

export function renderChannel(ws: Workspace, channel: FakeChannel, viewer: string): Record<string, unknown> {
  const topic = {
    value: channel.topic,
    creator: channel.creator,
    last_set: channel.topic ? channel.created : 0,
  };
  const purpose = {
    value: channel.purpose,
    creator: channel.creator,
    last_set: channel.purpose ? channel.created : 0,
  };
  const numMembers = channel.members === null ? ws.users.size : channel.members.size;
  return {
    id: channel.id,
    name: channel.name,
    name_normalized: channel.name,
    is_channel: !channel.is_im && !channel.is_mpim && !channel.is_private,
    is_group: channel.is_private && !channel.is_mpim,
    is_im: channel.is_im,
    is_mpim: channel.is_mpim,
    is_private: channel.is_private,
    is_archived: channel.is_archived,
    is_general: channel.name === "general",
    is_member: ws.isMember(channel, viewer),
    is_shared: false,
    is_ext_shared: false,
    is_org_shared: false,
    created: channel.created,
    creator: channel.creator,
    context_team_id: ws.team.id,
    num_members: numMembers,
    topic,
    purpose,
  };
}

export function renderUser(
  ws: Workspace,
  user: FakeUser,
  options: { email: boolean } = { email: true },
): Record<string, unknown> {
  const profile: Record<string, unknown> = {
    real_name: user.real_name,
    real_name_normalized: user.real_name,
    display_name: user.display_name,
    display_name_normalized: user.display_name,
    team: ws.team.id,
    image_48: `https://avatars.fake-slack.test/${user.id}_48.png`,
  };
  if (user.bot_id) profile.bot_id = user.bot_id;
  if (user.email && options.email) profile.email = user.email;
  return {
    id: user.id,
    team_id: ws.team.id,
    name: user.name,
    real_name: user.real_name,
    deleted: user.deleted,
    is_bot: user.is_bot,
    is_app_user: false,
    is_admin: false,
    is_owner: false,
    tz: user.tz,
    updated: 0,
    profile,
  };
}

export function renderUsergroup(
  ws: Workspace,
  group: FakeUsergroup,
  options: { users: boolean; count: boolean },
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: group.id,
    team_id: ws.team.id,
    is_usergroup: true,
    name: group.name,
    description: group.description,
    handle: group.handle,
    is_external: false,
    date_create: group.date_create,
    date_delete: group.disabled ? group.date_create : 0,
    auto_type: null,
    prefs: { channels: [], groups: [] },
  };
  if (options.users) out.users = [...group.users];
  if (options.count) out.user_count = group.users.length;
  return out;
}

/** A file as files.info and message `files` show it; url_private needs the token to download. */
export function renderFile(ws: Workspace, file: FakeFile): Record<string, unknown> {
  const path = `${ws.team.id}-${file.id}/${encodeURIComponent(file.name)}`;
  return {
    id: file.id,
    created: file.created,
    timestamp: file.created,
    name: file.name,
    title: file.title,
    mimetype: file.mimetype,
    filetype: file.filetype,
    pretty_type: file.filetype.toUpperCase(),
    user: file.user,
    size: file.size,
    is_public: file.channels.some((c) => !ws.channel(c).is_private),
    url_private: `${ws.origin}/files-pri/${path}`,
    url_private_download: `${ws.origin}/files-pri/${path}?download=1`,
    permalink: `https://${ws.team.domain}.slack.com/files/${file.user}/${file.id}/${encodeURIComponent(file.name)}`,
    channels: file.channels.filter((c) => !ws.channel(c).is_private),
    groups: file.channels.filter((c) => ws.channel(c).is_private),
  };
}

/** https://<domain>.slack.com/archives/<channel>/p<ts without the dot>, with the thread for replies. */
export function permalinkOf(ws: Workspace, message: StoredMessage): string {
  const base = `https://${ws.team.domain}.slack.com/archives/${message.channel}/p${message.ts.replace(".", "")}`;
  if (message.thread_ts && message.thread_ts !== message.ts)
    return `${base}?thread_ts=${message.thread_ts}&cid=${message.channel}`;
  return base;
}
