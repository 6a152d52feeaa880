import { describe, expect, it } from "vitest";
import { natsOptionsFromEnv } from "../../src/queue/backends/nats/config.js";
import { replaySubject, token, topicNames } from "../../src/queue/backends/nats/names.js";

describe("nats names", () => {
  it("keeps safe names readable and makes every other name safe and distinct", () => {
    expect(token("slack_events")).toBe("slack_events");
    const dotted = token("a.b");
    expect(dotted).toMatch(/^a_b_[0-9a-f]{8}$/);
    expect(dotted).not.toBe(token("a_b"));
    expect(token("a b*>/\\-")).toMatch(/^[A-Za-z0-9_]+$/);
  });

  it("lays out streams and subjects per topic, the DLQ apart", () => {
    const n = topicNames("slackline", "slack_events");
    expect(n).toEqual({
      stream: "slackline_slack_events",
      subject: "slackline.slack_events",
      replayPrefix: "slackline.slack_events.replay.",
      dlqStream: "slackline_slack_events-dlq",
      dlqSubject: "slackline.slack_events.dlq",
    });
    expect(replaySubject(n, "mcp")).toBe("slackline.slack_events.replay.mcp");
    // A topic named like another topic's DLQ cannot take its stream name.
    expect(topicNames("slackline", "slack_events-dlq").stream).not.toBe(n.dlqStream);
  });

  it("reads its configuration from the environment", () => {
    expect(natsOptionsFromEnv({})).toMatchObject({
      servers: ["nats://127.0.0.1:4222"],
      prefix: "slackline",
      duplicateWindowSeconds: 3600,
      maxAgeSeconds: 604800,
      replicas: 1,
    });
    expect(
      natsOptionsFromEnv({ NATS_URL: "nats://a:4222, nats://b:4222", DEDUP_TTL_SECONDS: "600" }),
    ).toMatchObject({
      servers: ["nats://a:4222", "nats://b:4222"],
      duplicateWindowSeconds: 600,
    });
    expect(() => natsOptionsFromEnv({ NATS_MAX_AGE_SECONDS: "soon" })).toThrow(/NATS_MAX_AGE_SECONDS/);
  });
});
