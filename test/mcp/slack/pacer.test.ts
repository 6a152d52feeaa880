import { afterEach, describe, expect, it } from "vitest";
import { createSlackClient } from "../../../src/mcp/slack/client.js";
import { PacedError, TierPacer, TokenBucket } from "../../../src/mcp/slack/pacer.js";
import { rateLimitsFromEnv, SLACK_RATE_LIMITS, tierOf } from "../../../src/mcp/slack/tiers.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { FakeSlack } from "../../../src/testing/index.js";

describe("TokenBucket", () => {
  it("lets a burst through, then one call per refill interval, in order", () => {
    const bucket = new TokenBucket(60, 2, 0); // one a second, two at once
    expect([bucket.take(10_000, 0), bucket.take(10_000, 0)]).toEqual([0, 0]);
    // The next token is due in 1 s, the one after in 2 s: queued callers wait in turn.
    expect(bucket.take(10_000, 0)).toBe(1000);
    expect(bucket.take(10_000, 0)).toBe(2000);
    // At t=2.5 s both reserved tokens are spent and half a token has refilled.
    expect(bucket.take(10_000, 2500)).toBe(500);
  });

  it("reserves nothing when the wait would exceed the bound", () => {
    const bucket = new TokenBucket(1, 1, 0); // one a minute
    expect(bucket.take(5000, 0)).toBe(0);
    expect(bucket.take(5000, 0)).toBe(60_000);
    expect(bucket.take(5000, 30_000)).toBe(30_000);
    expect(bucket.take(5000, 60_000)).toBe(0);
  });
});

describe("TierPacer", () => {
  it("keeps a bucket per method sized by its tier, and per channel for chat.postMessage", () => {
    const pacer = new TierPacer(SLACK_RATE_LIMITS);
    // Tier 2 (20 a minute) bursts a quarter-minute's worth: 5, then 3 s apart.
    for (let i = 0; i < 5; i++) expect(pacer.reserve("users.list", undefined, 0)).toBe(0);
    expect(pacer.reserve("users.list", undefined, 0)).toBe(3000);
    // Another method has its own budget.
    expect(pacer.reserve("conversations.list", undefined, 0)).toBe(0);
    // One message a second per channel, 15 at once; other channels are not held back.
    for (let i = 0; i < 15; i++) pacer.reserve("chat.postMessage", "C1", 0);
    expect(pacer.reserve("chat.postMessage", "C1", 0)).toBe(1000);
    expect(pacer.reserve("chat.postMessage", "C2", 0)).toBe(0);
  });

  it("throws PacedError, with the seconds to wait, past its bound", () => {
    const pacer = new TierPacer({ ...SLACK_RATE_LIMITS, 2: 1 }, 10_000);
    pacer.reserve("emoji.list", undefined, 0);
    const err = (() => {
      try {
        pacer.reserve("emoji.list", undefined, 0);
      } catch (e) {
        return e;
      }
    })() as PacedError;
    expect(err).toBeInstanceOf(PacedError);
    expect(err.code).toBe("SLACKLINE_MCP_PACED");
    expect(err.retryAfterSeconds).toBe(60);
  });

  it("tiers and SLACKLINE_MCP_RATE_LIMITS", () => {
    expect([
      tierOf("search.messages"),
      tierOf("users.info"),
      tierOf("chat.postMessage"),
      tierOf("x.y"),
    ]).toEqual([2, 4, "post", 3]);
    expect(rateLimitsFromEnv(undefined)).toEqual(SLACK_RATE_LIMITS);
    expect(rateLimitsFromEnv("off")).toBeNull();
    expect(rateLimitsFromEnv("tier2=100, post=120")).toEqual({ ...SLACK_RATE_LIMITS, 2: 100, post: 120 });
    expect(() => rateLimitsFromEnv("tier9=1")).toThrow(/SLACKLINE_MCP_RATE_LIMITS/);
  });
});

describe("the paced WebClient against the fake Slack's rate limit", () => {
  let slack: FakeSlack | undefined;
  afterEach(async () => {
    await slack?.close();
  });

  it("every Web API call takes its turn: a burst at once, then waits at the tier's rate", async () => {
    slack = await FakeSlack.start({ seed: { users: [{ id: "UALICE", name: "alice" }] } });
    // Tier 4 at 300 a minute: 75 at once, then one every 200 ms.
    const waits: number[] = [];
    const pacer = new TierPacer({ ...SLACK_RATE_LIMITS, 4: 300 }, 10_000, async (ms) => {
      waits.push(ms);
      await new Promise((resolve) => setTimeout(resolve, ms));
    });
    const client = createSlackClient(slack.token, slack.apiUrl, pacer, silentLogger);
    await Promise.all(Array.from({ length: 85 }, () => client.users.info({ user: "UALICE" })));
    expect(slack.callsTo("users.info")).toHaveLength(85);
    // The ten past the burst waited 200 ms, 400 ms... (less the few ms the loop took).
    expect(waits).toHaveLength(10);
    waits.forEach((ms, i) => {
      expect(ms).toBeLessThanOrEqual(200 * (i + 1));
      expect(ms).toBeGreaterThan(200 * (i + 1) - 100);
    });
  });
});
