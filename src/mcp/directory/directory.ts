import type { WebClient } from "@slack/web-api";
import { projectChannel } from "../project.js";
import { LazyList } from "./lazy-list.js";

/** A user as the directory keeps it: what a search matches on and what an agent needs. */
export interface DirectoryUser {
  id: string;
  name: string;
  real_name?: string;
  display_name?: string;
  email?: string;
  title?: string;
  is_bot: boolean;
  deleted: boolean;
  tz?: string;
}

type Obj = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

export function directoryUser(member: unknown): DirectoryUser {
  const m = (member ?? {}) as Obj;
  const profile = (m.profile ?? {}) as Obj;
  const user: DirectoryUser = {
    id: String(m.id),
    name: String(m.name ?? ""),
    is_bot: m.is_bot === true,
    deleted: m.deleted === true,
  };
  const fields = {
    real_name: str(m.real_name) ?? str(profile.real_name),
    display_name: str(profile.display_name),
    email: str(profile.email),
    title: str(profile.title),
    tz: str(m.tz),
  };
  for (const [key, value] of Object.entries(fields))
    if (value !== undefined) (user as unknown as Obj)[key] = value;
  return user;
}

const PAGE = 1000;

/**
 * The workspace's users and channels for search and the slack:// resources: loaded on first use
 * (users.list, conversations.list, paced like every call), kept for the TTL, refreshed lazily.
 */
export class SlackDirectory {
  readonly users: LazyList<DirectoryUser>;
  readonly channels: LazyList<Obj>;

  constructor(slack: WebClient, ttlMs: number) {
    this.users = new LazyList(async function* () {
      let cursor: string | undefined;
      do {
        const res = await slack.users.list({ limit: PAGE, cursor });
        yield (res.members ?? []).map(directoryUser);
        cursor = res.response_metadata?.next_cursor || undefined;
      } while (cursor);
    }, ttlMs);
    this.channels = new LazyList(async function* () {
      let cursor: string | undefined;
      do {
        const res = await slack.conversations.list({
          types: "public_channel,private_channel",
          exclude_archived: true,
          limit: PAGE,
          cursor,
        });
        yield (res.channels ?? []).map(projectChannel);
        cursor = res.response_metadata?.next_cursor || undefined;
      } while (cursor);
    }, ttlMs);
  }
}

/** Case-insensitive match on name, real name, display name or email. */
export function userMatches(user: DirectoryUser, query: string): boolean {
  const q = query.toLowerCase();
  return [user.name, user.real_name, user.display_name, user.email].some(
    (field) => field?.toLowerCase().includes(q) === true,
  );
}

/** Offset cursors over a directory listing ("o:<offset>" in base64url). */
export const encodeOffset = (offset: number): string => Buffer.from(`o:${offset}`).toString("base64url");

export function decodeOffset(cursor: string | undefined): number | null {
  if (cursor === undefined) return 0;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const n = Number(text.slice(2));
  return text.startsWith("o:") && Number.isInteger(n) && n >= 0 ? n : null;
}
