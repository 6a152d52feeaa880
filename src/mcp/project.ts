/** Compact views of Slack objects for agents: the fields that matter, without layout noise. */

type Obj = Record<string, unknown>;

const pick = (source: Obj, keys: readonly string[]): Obj => {
  const out: Obj = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
};

const MESSAGE_KEYS = [
  "ts",
  "user",
  "bot_id",
  "subtype",
  "text",
  "thread_ts",
  "reply_count",
  "latest_reply",
] as const;

export function projectMessage(message: unknown): Obj {
  const m = (message ?? {}) as Obj;
  const out = pick(m, MESSAGE_KEYS);
  if (Array.isArray(m.reactions)) {
    out.reactions = (m.reactions as Obj[]).map((r) => ({ name: r.name, count: r.count }));
  }
  if (Array.isArray(m.files)) out.files = (m.files as Obj[]).map((f) => pick(f, ["id", "name", "title"]));
  if (m.metadata !== undefined) out.metadata = m.metadata;
  return out;
}

export function projectChannel(channel: unknown): Obj {
  const c = (channel ?? {}) as Obj;
  const out = pick(c, ["id", "name", "is_private", "is_archived", "is_member", "num_members"]);
  const topic = (c.topic as Obj | undefined)?.value;
  const purpose = (c.purpose as Obj | undefined)?.value;
  if (topic) out.topic = topic;
  if (purpose) out.purpose = purpose;
  return out;
}

export function projectUser(user: unknown): Obj {
  const u = (user ?? {}) as Obj;
  const profile = (u.profile ?? {}) as Obj;
  const out = pick(u, ["id", "team_id", "name", "real_name", "is_bot", "deleted", "tz"]);
  if (profile.display_name) out.display_name = profile.display_name;
  if (profile.title) out.title = profile.title;
  return out;
}
