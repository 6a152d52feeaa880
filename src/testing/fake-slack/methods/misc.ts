import { fail } from "../errors.js";
import { renderUser } from "../render.js";
import type { MethodTable } from "./context.js";

export const miscMethods: MethodTable = {
  "auth.test": ({ ws, bot }) => ({
    url: `https://${ws.team.domain}.slack.com/`,
    team: ws.team.name,
    user: bot.name,
    team_id: ws.team.id,
    user_id: bot.user_id,
    bot_id: bot.bot_id,
    app_id: bot.app_id,
    is_enterprise_install: false,
  }),

  "emoji.list": ({ ws }) => ({
    emoji: Object.fromEntries(ws.emoji),
    cache_ts: "0.000000",
  }),

  "users.info": ({ ws, params }) => {
    const id = params.string("user") ?? fail("user_not_found");
    const user = ws.users.get(id) ?? fail("user_not_found");
    return { user: renderUser(ws, user) };
  },
};
