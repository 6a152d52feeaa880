import { afterAll, beforeAll } from "vitest";
import { slackQueueConfigFromEnv } from "../../src/queue/backends/slack/config.js";
import { SlackQueue } from "../../src/queue/backends/slack.js";
import { queueBackendContract } from "../../src/testing/contract.js";
import { FakeSlack } from "../../src/testing/index.js";

let slack: FakeSlack;
beforeAll(async () => {
  slack = await FakeSlack.start({ seed: { channels: [{ id: "CQUEUE", name: "queue" }] } });
});
afterAll(async () => {
  await slack.close();
});

/** Why the slack backend cannot meet these (docs/slack-backend.md says the same). */
export const SLACK_SKIPS = {
  "two groups each get every message":
    "one consumer group per channel: Slack holds one done marker per message, not one per group (use a channel per group)",
  "extend() keeps a live consumer's lease":
    "a pin's or a reaction's time cannot be moved, so extend() is a no-op and a lease lasts the stale time",
};

for (const strategy of ["pin", "reaction"] as const) {
  queueBackendContract({
    name: `slack (${strategy} claims, fake Slack)`,
    create: () =>
      new SlackQueue(
        slackQueueConfigFromEnv({
          SLACKMQ_CHANNEL: "CQUEUE",
          SLACK_BOT_TOKEN: slack.token,
          SLACK_API_URL: slack.apiUrl,
          SLACKLINE_LOCK_STRATEGY: strategy,
          SLACKMQ_POLL_MS: "100",
          SLACKMQ_POLL_MAX_MS: "400",
        }),
      ),
    leaseMs: 1500,
    timeoutMs: 60_000,
    skip: SLACK_SKIPS,
  });
}
