import { fail } from "../errors.js";
import { clampLimit, decodeCursor, encodeCursor } from "../pagination.js";
import { renderUser, renderUsergroup } from "../render.js";
import type { FakeCaller } from "../types.js";
import type { MethodTable } from "./context.js";

/** Slack shows profile.email only to tokens granted users:read.email. */
const seesEmail = (caller: FakeCaller): boolean =>
  caller.scopes === null || caller.scopes.has("users:read.email");

export const userMethods: MethodTable = {
  "users.info": ({ ws, caller, params }) => {
    const id = params.string("user") ?? fail("user_not_found");
    const user = ws.users.get(id) ?? fail("user_not_found");
    return { user: renderUser(ws, user, { email: seesEmail(caller) }) };
  },

  /** In the order users joined; the cursor names the next page's first user. */
  "users.list": ({ ws, caller, params }) => {
    const cursor = params.string("cursor");
    const from = cursor === undefined ? undefined : decodeCursor(cursor, "user");
    const limit = clampLimit(params.int("limit", 0), 200, 1000);
    const page = ws.directory.userPage(from, limit);
    const email = seesEmail(caller);
    return {
      members: page.users.map((u) => renderUser(ws, u, { email })),
      cache_ts: Math.floor(Date.now() / 1000),
      response_metadata: { next_cursor: page.next === undefined ? "" : encodeCursor("user", page.next) },
    };
  },

  "usergroups.list": ({ ws, params }) => {
    const includeDisabled = params.bool("include_disabled");
    const includeUsers = params.bool("include_users");
    const includeCount = params.bool("include_count");
    const usergroups = [...ws.directory.usergroups.values()]
      .filter((g) => includeDisabled || !g.disabled)
      .map((g) => renderUsergroup(ws, g, { users: includeUsers, count: includeCount }));
    return { usergroups };
  },

  "usergroups.users.list": ({ ws, params }) => {
    const group = ws.directory.usergroup(params.required("usergroup", "no_such_subteam"));
    if (group.disabled && !params.bool("include_disabled")) fail("no_such_subteam");
    return { users: [...group.users] };
  },
};
