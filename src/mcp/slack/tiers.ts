/**
 * Slack's Web API rate-limit tiers, per method, as its method reference assigns them. Limits apply
 * per method, per workspace, per app, so a busy method does not spend another's budget.
 */
export type Tier = 1 | 2 | 3 | 4 | "post";

const TIER_OF: Record<string, Tier> = {
  "chat.postMessage": "post",
  "chat.update": 3,
  "chat.delete": 3,
  "chat.getPermalink": 4,
  "chat.postEphemeral": 4,
  "conversations.history": 3,
  "conversations.replies": 3,
  "conversations.info": 3,
  "conversations.list": 2,
  "conversations.open": 3,
  "conversations.join": 3,
  "users.conversations": 3,
  "users.info": 4,
  "users.list": 2,
  "usergroups.list": 2,
  "usergroups.users.list": 2,
  "reactions.add": 3,
  "reactions.remove": 2,
  "reactions.get": 3,
  "emoji.list": 2,
  "search.messages": 2,
  "files.info": 4,
  "files.getUploadURLExternal": 4,
  "files.completeUploadExternal": 4,
  "auth.test": 4,
};

/** Unknown methods are paced as Tier 3, Slack's most common tier for reads. */
export const tierOf = (method: string): Tier => TIER_OF[method] ?? 3;

/** Requests per minute for each tier; "post" is chat.postMessage's one per second, per channel. */
export type RateLimits = Record<Tier, number>;

export const SLACK_RATE_LIMITS: RateLimits = { 1: 1, 2: 20, 3: 50, 4: 100, post: 60 };

/**
 * SLACKLINE_MCP_RATE_LIMITS: unset for Slack's published limits, "off" for none, or overrides in
 * requests per minute, e.g. "tier2=100,tier3=200,post=120".
 */
export function rateLimitsFromEnv(value: string | undefined): RateLimits | null {
  const text = (value ?? "").trim().toLowerCase();
  if (text === "off" || text === "0" || text === "false") return null;
  const limits: RateLimits = { ...SLACK_RATE_LIMITS };
  if (text === "") return limits;
  for (const part of text.split(",")) {
    const match = /^\s*(tier[1-4]|post)\s*=\s*(\d+(\.\d+)?)\s*$/.exec(part);
    if (!match || Number(match[2]) <= 0) {
      throw new Error(
        `SLACKLINE_MCP_RATE_LIMITS: "${part.trim()}" is not tierN=<per minute> or post=<per minute> (or "off")`,
      );
    }
    const key = match[1] === "post" ? "post" : (Number(match[1]!.slice(4)) as 1 | 2 | 3 | 4);
    limits[key] = Number(match[2]);
  }
  return limits;
}
