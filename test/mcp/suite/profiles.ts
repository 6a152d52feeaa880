import type { FakeSlack } from "../../../src/testing/index.js";

/** The server configurations the cases need; each transport starts each one at most once. */
export type Profile = "full" | "readOnly" | "allowList" | "narrowScopes" | "paced" | "writeList";

export function profileEnv(profile: Profile, slack: FakeSlack): Record<string, string> {
  const base = { SLACK_API_URL: slack.apiUrl, SLACK_BOT_TOKEN: "xoxb-fake-token" };
  switch (profile) {
    case "full":
      // A short ack lease, so the "unacked events come back" case is quick.
      return { ...base, SLACK_USER_TOKEN: "xoxp-alice", SLACKLINE_MCP_ACK_LEASE_SECONDS: "1" };
    case "readOnly":
      return { ...base, SLACK_USER_TOKEN: "xoxp-alice", SLACKLINE_MCP_READ_ONLY: "1" };
    case "allowList":
      return { ...base, SLACKLINE_MCP_TOOLS: "slack_get_user,slack_search_messages,slack_wait_for_events" };
    case "narrowScopes":
      return { ...base, SLACK_BOT_TOKEN: "xoxb-narrow", SLACKLINE_MCP_INBOX: "off" };
    case "writeList":
      return { ...base, SLACKLINE_MCP_WRITE_CHANNELS: "CWRITABLE,UBOB", SLACKLINE_MCP_INBOX: "off" };
    case "paced":
      // Tier 2 at one call a minute: the second emoji.list would wait 60 s, so it is refused at once.
      return { ...base, SLACKLINE_MCP_RATE_LIMITS: "tier2=1", SLACKLINE_MCP_INBOX: "off" };
  }
}
