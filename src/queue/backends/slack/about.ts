import type { BackendInfo } from "../../types.js";
import { DEFAULT_LEASE_MS } from "../../types.js";

export const slackInfo: BackendInfo = {
  name: "slack",
  description: "a Slack channel as the queue, Slack as the lock (SLACKMQ_CHANNEL); low volume",
  envVars: [
    "SLACKMQ_CHANNEL",
    "SLACK_BOT_TOKEN",
    "SLACK_API_URL",
    "SLACKLINE_LOCK_STRATEGY",
    "SLACKLINE_LOCK_EMOJI",
    "SLACKLINE_LOCK_DONE_EMOJI",
    "SLACKLINE_LOCK_STALE_SECONDS",
    "SLACKLINE_LOCK_SHARED_TOKEN",
  ],
  connectionVariable: "SLACK_API_URL / SLACK_BOT_TOKEN / SLACKMQ_CHANNEL",
  defaultDedupStore: () => "sqlite",
  defaultLeaseMs: DEFAULT_LEASE_MS,
};
