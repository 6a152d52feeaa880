import type { Params } from "./params.js";
import type { FakeChannel } from "./types.js";
import type { Workspace } from "./workspace.js";

/** The scopes one call needs: all of them, or Slack answers missing_scope naming the first absent. */
type ScopeRule = (ws: Workspace, params: Params) => string[];

const fixed =
  (...scopes: string[]): ScopeRule =>
  () =>
    scopes;

const PREFIX = { public: "channels", private: "groups", im: "im", mpim: "mpim" } as const;

function kindOf(channel: FakeChannel): keyof typeof PREFIX {
  if (channel.is_im) return "im";
  if (channel.is_mpim) return "mpim";
  return channel.is_private ? "private" : "public";
}

/** history/read/write scopes follow the conversation's type: channels:history, groups:history, im:… */
const byChannel =
  (suffix: string, argument = "channel"): ScopeRule =>
  (ws, params) => {
    const id = params.string(argument);
    if (id === undefined) return [];
    try {
      return [`${PREFIX[kindOf(ws.channel(id))]}:${suffix}`];
    } catch {
      return []; // the method answers channel_not_found itself
    }
  };

const TYPE_PREFIX: Record<string, string> = {
  public_channel: "channels",
  private_channel: "groups",
  im: "im",
  mpim: "mpim",
};

const byTypes: ScopeRule = (_ws, params) =>
  (params.string("types") ?? "public_channel")
    .split(",")
    .map((t) => TYPE_PREFIX[t.trim()])
    .filter((p) => p !== undefined)
    .map((p) => `${p}:read`);

/** The scope each method needs, as Slack's method reference lists them. */
const RULES: Record<string, ScopeRule> = {
  "chat.postMessage": fixed("chat:write"),
  "chat.update": fixed("chat:write"),
  "chat.delete": fixed("chat:write"),
  "chat.postEphemeral": fixed("chat:write"),
  "conversations.history": byChannel("history"),
  "conversations.replies": byChannel("history"),
  "conversations.info": byChannel("read"),
  "conversations.list": byTypes,
  "users.conversations": byTypes,
  "conversations.join": fixed("channels:join"),
  "conversations.mark": byChannel("write"),
  "conversations.open": (_ws, params) =>
    (params.string("users") ?? "").split(",").filter((u) => u.trim() !== "").length > 1
      ? ["mpim:write"]
      : ["im:write"],
  "users.info": fixed("users:read"),
  "users.list": fixed("users:read"),
  "usergroups.list": fixed("usergroups:read"),
  "usergroups.users.list": fixed("usergroups:read"),
  "reactions.add": fixed("reactions:write"),
  "reactions.remove": fixed("reactions:write"),
  "reactions.get": fixed("reactions:read"),
  "pins.add": fixed("pins:write"),
  "pins.remove": fixed("pins:write"),
  "pins.list": fixed("pins:read"),
  "emoji.list": fixed("emoji:read"),
  "search.messages": fixed("search:read"),
  "files.getUploadURLExternal": fixed("files:write"),
  "files.completeUploadExternal": fixed("files:write"),
  "files.info": fixed("files:read"),
};

/** Methods Slack serves only to user tokens (a bot token gets not_allowed_token_type). */
export const USER_TOKEN_ONLY: ReadonlySet<string> = new Set(["search.messages"]);

/** The first scope the call needs and the token lacks, or undefined. */
export function missingScope(
  method: string,
  granted: ReadonlySet<string> | null,
  ws: Workspace,
  params: Params,
): string | undefined {
  if (granted === null) return undefined;
  return RULES[method]?.(ws, params).find((scope) => !granted.has(scope));
}
