import { describe, expect, it } from "vitest";
import {
  clampVisibility,
  MAX_VISIBILITY_SECONDS,
  parseBody,
  toSeconds,
} from "../../src/queue/backends/sqs/message.js";
import {
  groupQueueNames,
  namePart,
  queuePrefix,
  snsTopicName,
  sourceOfDlq,
} from "../../src/queue/backends/sqs/names.js";

describe("sqs names", () => {
  it("keeps names of [A-Za-z0-9_] as they are", () => {
    expect(snsTopicName("slack_events")).toBe("slack_events");
    expect(groupQueueNames("slack_events", "default")).toEqual({
      queue: "slack_events-default",
      dlq: "slack_events-default-dlq",
    });
  });

  it("maps other characters deterministically, and distinct names stay distinct", () => {
    const dotted = namePart("slack.events");
    expect(dotted).toMatch(/^slack_events_[0-9a-f]{8}$/);
    expect(namePart("slack.events")).toBe(dotted);
    expect(namePart("slack-events")).not.toBe(dotted);
    expect(namePart("slack-events")).toMatch(/^slack_events_[0-9a-f]{8}$/);
    for (const name of ["a.b", "a-b", "a b", "a/b", "é"]) expect(namePart(name)).toMatch(/^[A-Za-z0-9_]+$/);
  });

  it("never lets a topic and group pair collide with another (no '-' inside a part)", () => {
    expect(groupQueueNames("a-b", "c").queue).not.toBe(groupQueueNames("a", "b-c").queue);
    expect(groupQueueNames("t", "x-dlq").queue).not.toBe(groupQueueNames("t", "x").dlq);
    expect(groupQueueNames("t", "g").queue.startsWith(queuePrefix("t"))).toBe(true);
    expect(groupQueueNames("t_x", "g").queue.startsWith(queuePrefix("t"))).toBe(false);
  });

  it("fits SQS's 80 characters, DLQ suffix included, and long names stay distinct", () => {
    const long = "t".repeat(70);
    const a = groupQueueNames(long, "group_one");
    const b = groupQueueNames(long, "group_two");
    expect(a.dlq.length).toBeLessThanOrEqual(80);
    expect(a.dlq.endsWith("-dlq")).toBe(true);
    expect(a.queue).not.toBe(b.queue);
    expect(sourceOfDlq(a.dlq)).toBe(a.queue);
    expect(sourceOfDlq(a.queue)).toBeNull();
    expect(snsTopicName("x".repeat(300)).length).toBeLessThanOrEqual(256);
  });
});

describe("sqs visibility", () => {
  it("rounds milliseconds up to whole seconds", () => {
    expect(toSeconds(0)).toBe(0);
    expect(toSeconds(1)).toBe(1);
    expect(toSeconds(600)).toBe(1);
    expect(toSeconds(1000)).toBe(1);
    expect(toSeconds(1001)).toBe(2);
  });

  it("clamps to what is left of the 12 hours since the receive", () => {
    const received = 1_000_000;
    expect(clampVisibility(30, received, received)).toBe(30);
    expect(clampVisibility(13 * 3600, received, received)).toBe(MAX_VISIBILITY_SECONDS);
    // 11 h 59 min 30 s after the receive: 30 s are left, whatever was asked.
    const late = received + (MAX_VISIBILITY_SECONDS - 30) * 1000;
    expect(clampVisibility(300, received, late)).toBe(30);
    expect(clampVisibility(300, received, received + 13 * 3600 * 1000)).toBe(0);
  });
});

describe("sqs message bodies", () => {
  it("reads a raw body, unwraps an SNS notification, and refuses what is not JSON", () => {
    const envelope = { v: 1, id: "Ev1", kind: "event", body: { a: "é" } };
    expect(parseBody(JSON.stringify(envelope))).toEqual(envelope);
    const notification = {
      Type: "Notification",
      MessageId: "m",
      TopicArn: "arn:aws:sns:us-east-1:000000000000:t",
      Message: JSON.stringify(envelope),
    };
    expect(parseBody(JSON.stringify(notification))).toEqual(envelope);
    expect(parseBody("not json")).toBeNull();
    expect(parseBody("42")).toBeNull();
    expect(parseBody(undefined)).toBeNull();
  });
});
