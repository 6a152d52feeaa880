/**
 * Every tool, once: the token it acts with, whether it writes to Slack, the Slack methods it calls and
 * the scopes they need. The gate lists a tool only when its token is configured, the allow-list
 * names it (if any), and, for write tools, the server is not read-only. The README's table is
 * checked against this in test/mcp/catalog.test.ts.
 */
export type ToolToken = "bot" | "user" | "inbox";

export interface ToolInfo {
  token: ToolToken;
  /** Changes something in Slack: hidden in read-only mode, held to SLACKLINE_MCP_WRITE_CHANNELS. */
  write: boolean;
  methods: readonly string[];
  scopes: readonly string[];
}

const bot = (write: boolean, methods: string[], scopes: string[]): ToolInfo => ({
  token: "bot",
  write,
  methods,
  scopes,
});

export const TOOL_CATALOG = {
  slack_post_message: bot(true, ["chat.postMessage"], ["chat:write"]),
  slack_thread_reply: bot(true, ["chat.postMessage"], ["chat:write"]),
  slack_update_message: bot(true, ["chat.update"], ["chat:write"]),
  slack_delete_message: bot(true, ["chat.delete"], ["chat:write"]),
  slack_post_ephemeral: bot(true, ["chat.postEphemeral"], ["chat:write"]),
  slack_open_dm: bot(true, ["conversations.open", "chat.postMessage"], ["im:write", "chat:write"]),
  slack_add_reactions: bot(true, ["reactions.add"], ["reactions:write"]),
  slack_remove_reactions: bot(true, ["reactions.remove"], ["reactions:write"]),
  slack_upload_file: bot(
    true,
    ["files.getUploadURLExternal", "files.completeUploadExternal"],
    ["files:write"],
  ),
  slack_read_channel_messages: bot(false, ["conversations.history"], ["channels:history"]),
  slack_read_thread_messages: bot(false, ["conversations.replies"], ["channels:history"]),
  slack_get_permalink: bot(false, ["chat.getPermalink"], []),
  slack_read_emojis: bot(false, ["emoji.list"], ["emoji:read"]),
  slack_list_channels: bot(false, ["conversations.list"], ["channels:read"]),
  slack_get_user: bot(false, ["users.info"], ["users:read"]),
  slack_search_users: bot(false, ["users.list"], ["users:read", "users:read.email"]),
  slack_list_usergroups: bot(false, ["usergroups.list"], ["usergroups:read"]),
  slack_get_usergroup_members: bot(
    false,
    ["usergroups.users.list", "users.list"],
    ["usergroups:read", "users:read"],
  ),
  slack_read_file: bot(false, ["files.info"], ["files:read"]),
  slack_search_messages: {
    token: "user",
    write: false,
    methods: ["search.messages"],
    scopes: ["search:read"],
  },
  slack_list_unreads: {
    token: "user",
    write: false,
    methods: ["users.conversations", "conversations.info", "conversations.history"],
    scopes: ["channels:read", "channels:history"],
  },
  slack_wait_for_events: { token: "inbox", write: false, methods: [], scopes: [] },
  slack_ack_events: { token: "inbox", write: false, methods: [], scopes: [] },
  slack_get_event: { token: "inbox", write: false, methods: [], scopes: [] },
} as const satisfies Record<string, ToolInfo>;

export type ToolName = keyof typeof TOOL_CATALOG;

export const isToolName = (name: string): name is ToolName => Object.hasOwn(TOOL_CATALOG, name);

/** Which tools this server offers. */
export class ToolGate {
  constructor(
    private readonly options: {
      bot: boolean;
      user: boolean;
      inbox: boolean;
      readOnly: boolean;
      allow: ReadonlySet<string> | null;
    },
  ) {}

  allows(name: ToolName): boolean {
    const info: ToolInfo = TOOL_CATALOG[name];
    if (this.options.allow !== null && !this.options.allow.has(name)) return false;
    if (info.write && this.options.readOnly) return false;
    if (info.token === "bot") return this.options.bot;
    if (info.token === "user") return this.options.user;
    return this.options.inbox;
  }

  /** The names offered, in catalogue order. */
  offered(): ToolName[] {
    return (Object.keys(TOOL_CATALOG) as ToolName[]).filter((n) => this.allows(n));
  }
}

/** SLACKLINE_MCP_TOOLS names that are not tools: a start-up error, so a typo does not hide a tool. */
export function unknownToolNames(allow: ReadonlySet<string> | null): string[] {
  return allow === null ? [] : [...allow].filter((n) => !isToolName(n));
}
