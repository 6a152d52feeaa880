import { fail } from "../errors.js";
import { decodeCursor, encodeCursor } from "../pagination.js";
import type { Params } from "../params.js";
import { permalinkOf } from "../render.js";
import { compareTs } from "../ts.js";
import type { FakeChannel, StoredMessage } from "../types.js";
import type { Workspace } from "../workspace.js";
import type { MethodTable } from "./context.js";

/** A parsed query: words (all must appear), `in:` channels and `from:` users, as Slack's search reads them. */
interface Query {
  words: string[];
  in: string[];
  from: string[];
}

/** `in:#general`, `in:<#C123|general>`, `in:C123`; `from:@alice`, `from:<@U123>`, `from:U123`. */
function parseQuery(ws: Workspace, raw: string): Query {
  const query: Query = { words: [], in: [], from: [] };
  for (const token of raw.split(/\s+/).filter((t) => t !== "")) {
    const modifier = /^(in|from):(.+)$/i.exec(token);
    if (!modifier) {
      query.words.push(token.toLowerCase().replace(/^"|"$/g, ""));
      continue;
    }
    const value = modifier[2]!.replace(/^<[#@]([A-Z0-9]+)(\|[^>]*)?>$/, "$1").replace(/^[#@]/, "");
    if (modifier[1]!.toLowerCase() === "in") {
      const id = ws.listChannels().find((c) => c.id === value || c.name === value)?.id;
      query.in.push(id ?? `#missing:${value}`);
    } else {
      const id = [...ws.users.values()].find((u) => u.id === value || u.name === value)?.id;
      query.from.push(id ?? `@missing:${value}`);
    }
  }
  return query;
}

function visible(ws: Workspace, channel: FakeChannel, user: string): boolean {
  return channel.is_private || channel.is_im || channel.is_mpim ? ws.isMember(channel, user) : true;
}

const occurrences = (text: string, word: string): number => text.split(word).length - 1;

interface Hit {
  message: StoredMessage;
  channel: FakeChannel;
  score: number;
}

function search(ws: Workspace, query: Query, user: string): Hit[] {
  const hits: Hit[] = [];
  for (const channel of ws.listChannels()) {
    if (!visible(ws, channel, user)) continue;
    if (query.in.length > 0 && !query.in.includes(channel.id)) continue;
    for (const message of ws.allMessages(channel.id)) {
      if (query.from.length > 0 && !query.from.includes(message.user)) continue;
      const text = message.text.toLowerCase();
      if (!query.words.every((w) => text.includes(w))) continue;
      const score = query.words.reduce((sum, w) => sum + occurrences(text, w), 0);
      hits.push({ message, channel, score });
    }
  }
  return hits;
}

function order(hits: Hit[], params: Params): Hit[] {
  const sort = params.string("sort") ?? "score";
  const dir = (params.string("sort_dir") ?? "desc") === "asc" ? 1 : -1;
  const byTs = (a: Hit, b: Hit) => compareTs(a.message.ts, b.message.ts);
  if (sort === "timestamp") return hits.sort((a, b) => dir * byTs(a, b));
  return hits.sort((a, b) => dir * (a.score - b.score || byTs(a, b)));
}

export const searchMethods: MethodTable = {
  /** User tokens only (the dispatcher answers not_allowed_token_type to bots). Pages by page or cursor. */
  "search.messages": ({ ws, caller, params }) => {
    const raw = params.string("query") ?? fail("no_query");
    const count = Math.min(Math.max(params.int("count", 20), 1), 100);
    const cursor = params.string("cursor");
    let page = Math.max(params.int("page", 1), 1);
    if (cursor !== undefined && cursor !== "*") page = Number(decodeCursor(cursor, "page"));
    if (!Number.isInteger(page) || page < 1) fail("invalid_cursor");
    const hits = order(search(ws, parseQuery(ws, raw), caller.user_id), params);
    const pages = Math.max(1, Math.ceil(hits.length / count));
    const slice = hits.slice((page - 1) * count, page * count);
    const more = page * count < hits.length;
    return {
      query: raw,
      messages: {
        total: hits.length,
        matches: slice.map(({ message, channel, score }) => ({
          iid: `${channel.id}-${message.ts}`,
          team: ws.team.id,
          channel: {
            id: channel.id,
            name: channel.name,
            is_private: channel.is_private,
            is_im: channel.is_im,
            is_mpim: channel.is_mpim,
          },
          type: "message",
          user: message.user,
          username: ws.users.get(message.user)?.name ?? message.user,
          ts: message.ts,
          text: message.text,
          permalink: permalinkOf(ws, message),
          score,
        })),
        paging: { count, total: hits.length, page, pages },
        pagination: {
          total_count: hits.length,
          page,
          per_page: count,
          page_count: pages,
          first: slice.length === 0 ? 0 : (page - 1) * count + 1,
          last: (page - 1) * count + slice.length,
        },
      },
      ...(cursor !== undefined
        ? { response_metadata: { next_cursor: more ? encodeCursor("page", String(page + 1)) : "" } }
        : {}),
    };
  },
};
