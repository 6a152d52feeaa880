import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  ListResourcesRequestSchema,
  type ReadResourceResult,
  type Resource,
} from "@modelcontextprotocol/sdk/types.js";
import type { WebClient } from "@slack/web-api";
import { decodeOffset, encodeOffset, type SlackDirectory } from "./directory/directory.js";
import type { LazyList } from "./directory/lazy-list.js";
import { projectChannel, projectUser } from "./project.js";
import { slackErrorOf } from "./results.js";
import { listEmoji } from "./tools/reactions.js";

/** Entries of a resources/list page; entries of a slack://users or slack://channels page. */
const LIST_PAGE = 100;
const DIRECTORY_PAGE = 1000;
const DIRECTORY_WAIT_MS = 5000;

const json = (uri: string, value: unknown): ReadResourceResult => ({
  contents: [{ uri, mimeType: "application/json", text: JSON.stringify(value) }],
});

/** A resource read has no isError: a Slack failure surfaces as a protocol error naming the code. */
async function reading(method: string, run: () => Promise<ReadResourceResult>): Promise<ReadResourceResult> {
  try {
    return await run();
  } catch (err) {
    throw new Error(`Slack ${method} failed: ${slackErrorOf(err).error}`);
  }
}

const FIXED: Resource[] = [
  { uri: "slack://emojis", name: "slack-emojis", title: "Custom emoji", mimeType: "application/json" },
  {
    uri: "slack://channels",
    name: "slack-channels",
    title: "Channels",
    description:
      "The channel directory, 1000 a page: { channels, next_uri } (follow next_uri for the next page).",
    mimeType: "application/json",
  },
  {
    uri: "slack://users",
    name: "slack-users",
    title: "Users",
    description: "The user directory, 1000 a page: { users, next_uri }. Loaded on first read, then reused.",
    mimeType: "application/json",
  },
];

/** One page of a directory as JSON, with the URI of the next page. */
async function directoryPage<T>(
  base: string,
  key: string,
  list: LazyList<T>,
  cursor: string | undefined,
): Promise<ReadResourceResult> {
  const offset = decodeOffset(cursor);
  if (offset === null) throw new Error(`${base}: not a cursor this server issued`);
  const snapshot = await list.get(DIRECTORY_WAIT_MS);
  const page = snapshot.items.slice(offset, offset + DIRECTORY_PAGE);
  const more = offset + DIRECTORY_PAGE < snapshot.items.length;
  const uri = cursor === undefined ? base : `${base}?cursor=${cursor}`;
  return json(uri, {
    [key]: page,
    complete: snapshot.complete,
    loaded: snapshot.items.length,
    next_uri: more ? `${base}?cursor=${encodeOffset(offset + DIRECTORY_PAGE)}` : null,
  });
}

/**
 * slack://emojis, the paged directories slack://channels and slack://users (read lazily: nothing is
 * loaded before a client asks), one resource per channel, and a paged resources/list.
 */
export function registerResources(server: McpServer, slack: WebClient, directory: SlackDirectory): void {
  const [emojis, channels, users] = FIXED as [Resource, Resource, Resource];
  server.registerResource(emojis.name, emojis.uri, emojis, async (uri) =>
    reading("emoji.list", async () => json(uri.href, await listEmoji(slack))),
  );
  server.registerResource(channels.name, channels.uri, channels, async () =>
    reading("conversations.list", () =>
      directoryPage(channels.uri, "channels", directory.channels, undefined),
    ),
  );
  server.registerResource(users.name, users.uri, users, async () =>
    reading("users.list", () => directoryPage(users.uri, "users", directory.users, undefined)),
  );
  server.registerResource(
    "slack-channels-page",
    new ResourceTemplate("slack://channels{?cursor}", { list: undefined }),
    { title: "Channels (a further page)", mimeType: "application/json" },
    async (_uri, { cursor }) =>
      reading("conversations.list", () =>
        directoryPage(channels.uri, "channels", directory.channels, String(cursor)),
      ),
  );
  server.registerResource(
    "slack-users-page",
    new ResourceTemplate("slack://users{?cursor}", { list: undefined }),
    { title: "Users (a further page)", mimeType: "application/json" },
    async (_uri, { cursor }) =>
      reading("users.list", () => directoryPage(users.uri, "users", directory.users, String(cursor))),
  );
  server.registerResource(
    "slack-channel",
    new ResourceTemplate("slack://channels/{channel_id}", { list: undefined }),
    { title: "A channel", mimeType: "application/json" },
    async (uri, { channel_id }) =>
      reading("conversations.info", async () => {
        const res = await slack.conversations.info({ channel: String(channel_id) });
        return json(uri.href, projectChannel(res.channel));
      }),
  );
  server.registerResource(
    "slack-user",
    new ResourceTemplate("slack://users/{user_id}", { list: undefined }),
    { title: "A user", mimeType: "application/json" },
    async (uri, { user_id }) =>
      reading("users.info", async () => {
        const res = await slack.users.info({ user: String(user_id) });
        return json(uri.href, projectUser(res.user));
      }),
  );

  // McpServer lists every resource in one answer; this list pages (the directories, then one entry
  // per channel), so a client never receives a workspace's worth at once.
  server.server.setRequestHandler(ListResourcesRequestSchema, async (request) => {
    const offset = decodeOffset(request.params?.cursor);
    if (offset === null) throw new Error("resources/list: not a cursor this server issued");
    let known: readonly Record<string, unknown>[];
    try {
      known = (await directory.channels.get(DIRECTORY_WAIT_MS)).items;
    } catch (err) {
      throw new Error(`Slack conversations.list failed: ${slackErrorOf(err).error}`);
    }
    const perChannel: Resource[] = known.map((c) => ({
      uri: `slack://channels/${String(c.id)}`,
      name: `#${String(c.name ?? c.id)}`,
      mimeType: "application/json",
    }));
    const all = [...FIXED, ...perChannel];
    const page = all.slice(offset, offset + LIST_PAGE);
    const more = offset + LIST_PAGE < all.length;
    return { resources: page, ...(more ? { nextCursor: encodeOffset(offset + LIST_PAGE) } : {}) };
  });
}
