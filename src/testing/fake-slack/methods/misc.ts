import type { MethodTable } from "./context.js";

export const miscMethods: MethodTable = {
  "auth.test": ({ ws, caller }) => ({
    url: `https://${ws.team.domain}.slack.com/`,
    team: ws.team.name,
    user: ws.users.get(caller.user_id)?.name ?? caller.user_id,
    team_id: ws.team.id,
    user_id: caller.user_id,
    ...(caller.bot_id ? { bot_id: caller.bot_id, app_id: caller.app_id } : {}),
    is_enterprise_install: false,
  }),

  "emoji.list": ({ ws }) => ({
    emoji: Object.fromEntries(ws.emoji),
    cache_ts: "0.000000",
  }),
};
