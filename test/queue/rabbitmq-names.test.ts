import { describe, expect, it } from "vitest";
import { rabbitOptionsFromEnv } from "../../src/queue/backends/rabbitmq/config.js";
import { attemptOf, copyHeaders } from "../../src/queue/backends/rabbitmq/headers.js";
import {
  delayQueue,
  groupOfQueue,
  groupQueue,
  roundDelay,
  topicNames,
} from "../../src/queue/backends/rabbitmq/names.js";

describe("rabbitmq names and headers", () => {
  it("names the exchange, group, delay and dead-letter objects of a topic", () => {
    expect(topicNames("slack_events")).toEqual({
      exchange: "slack_events",
      dlx: "slack_events.dlx",
      dlq: "slack_events.dlq",
    });
    expect(groupQueue("slack_events", "default")).toBe("slack_events.group.default");
    expect(delayQueue("slack_events", "default", 1300)).toBe("slack_events.group.default.delay.1300");
    expect(groupOfQueue("slack_events", "slack_events.group.mcp")).toBe("mcp");
    expect(groupOfQueue("slack_events", "other.group.mcp")).toBeNull();
  });

  it("rounds delays up to two significant digits", () => {
    expect([0, -5, 7, 600, 1234, 45_678, 30_001].map(roundDelay)).toEqual([
      0, 0, 7, 600, 1300, 46_000, 31_000,
    ]);
  });

  it("counts attempts from our header and the broker's delivery count", () => {
    expect(attemptOf(undefined)).toBe(1);
    expect(attemptOf({ "x-delivery-count": 2 })).toBe(3);
    expect(attemptOf({ "x-slackline-attempts": 3, "x-delivery-count": 1 })).toBe(5);
    const copy = copyHeaders(
      { "x-death": [], "x-first-death-queue": "q", "x-delivery-count": 4, "x-slackline-published-at": 1 },
      { "x-slackline-attempts": 5 },
    );
    expect(copy).toEqual({ "x-slackline-published-at": 1, "x-slackline-attempts": 5 });
  });

  it("reads its configuration from the environment", () => {
    expect(rabbitOptionsFromEnv({})).toMatchObject({ groups: ["default", "mcp"], deliveryLimit: 20 });
    expect(rabbitOptionsFromEnv({ SLACKLINE_GROUPS: " a, b ,," }).groups).toEqual(["a", "b"]);
    expect(rabbitOptionsFromEnv({ SLACKLINE_GROUPS: "" }).groups).toEqual([]);
    expect(() => rabbitOptionsFromEnv({ AMQP_DELIVERY_LIMIT: "0" })).toThrow(/AMQP_DELIVERY_LIMIT/);
  });
});
