import { afterEach, describe, expect, it } from "vitest";
import { Router } from "../../src/handlers/router.js";
import { until } from "../helpers/wait.js";
import {
  blockActions,
  eventCallback,
  eventId,
  type Harness,
  metricValue,
  slashCommand,
  startHarness,
} from "./harness.js";

describe("Socket Mode ingress: envelopes", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("acks each envelope type once its publish is durable, with the HTTP ingress's ids and kinds", async () => {
    h = await startHarness();
    const event = eventCallback();
    const command = slashCommand();
    const action = blockActions();
    const acks = await Promise.all([
      h.stand.event(event).acked,
      h.stand.command(command).acked,
      h.stand.interaction(action).acked,
    ]);
    for (const ack of acks) expect(ack.payload).toBeUndefined();
    const published = h.queue.published.map((e) => [e.kind, e.id]);
    expect(published).toEqual(
      expect.arrayContaining([
        ["event", event.event_id],
        ["command", command.trigger_id],
        ["interaction", action.trigger_id],
      ]),
    );
    expect(published).toHaveLength(3);
    expect(h.queue.published.find((e) => e.kind === "command")?.body).toEqual(command);
    expect(
      await metricValue(h.metrics, "slackline_socket_envelopes_total", {
        type: "events_api",
        outcome: "accepted",
      }),
    ).toBe(1);
    expect(
      await metricValue(h.metrics, "slackline_socket_envelopes_total", {
        type: "slash_commands",
        outcome: "accepted",
      }),
    ).toBe(1);
    expect(
      await metricValue(h.metrics, "slackline_socket_envelopes_total", {
        type: "interactive",
        outcome: "accepted",
      }),
    ).toBe(1);
  });

  it("each event once: a redelivery with retry_attempt 1 is acked, not queued again", async () => {
    h = await startHarness();
    const event = eventCallback();
    await h.stand.event(event).acked;
    const again = await h.stand.event(event, { retryAttempt: 1, retryReason: "timeout" }).acked;
    expect(again.payload).toBeUndefined();
    expect(h.queue.published.map((e) => e.id)).toEqual([event.event_id]);
    expect(
      await metricValue(h.metrics, "slackline_socket_envelopes_total", {
        type: "events_api",
        outcome: "duplicate",
      }),
    ).toBe(1);
  });

  it("retry_attempt and retry_reason land in the envelope's retry_num and retry_reason", async () => {
    h = await startHarness();
    const first = eventCallback();
    const retried = eventCallback();
    await h.stand.event(first).acked;
    await h.stand.event(retried, { retryAttempt: 2, retryReason: "timeout" }).acked;
    const [a, b] = h.queue.published;
    expect([a?.retry_num, a?.retry_reason]).toEqual([0, null]);
    expect([b?.retry_num, b?.retry_reason]).toEqual([2, "timeout"]);
  });

  it("a responder's answer is the ack's payload of a slash command; a text answer becomes { text }", async () => {
    const router = new Router()
      .respond("/deploy", (command) => ({ response_type: "ephemeral", text: `Deploying ${command.text}` }))
      .respond("/status", () => "all green");
    h = await startHarness({ router });
    const deploy = await h.stand.command(slashCommand("/deploy", "api")).acked;
    expect(deploy.payload).toEqual({ response_type: "ephemeral", text: "Deploying api" });
    const status = await h.stand.command(slashCommand("/status", "")).acked;
    expect(status.payload).toEqual({ text: "all green" });
    // Answered inline and queued too (a command is not a read-only lookup).
    expect(h.queue.published.map((e) => e.kind)).toEqual(["command", "command"]);
  });

  it("an envelope that does not accept a response payload gets a bare ack even if a responder answered", async () => {
    const router = new Router().respond("/deploy", () => ({ text: "hi" }));
    h = await startHarness({ router });
    const ack = await h.stand.command(slashCommand(), { acceptsResponsePayload: false }).acked;
    expect(ack.payload).toBeUndefined();
  });

  it("copies of one event on several connections are queued once; every copy is acked", async () => {
    h = await startHarness({ connections: 3 });
    await h.stand.waitForConnections(3);
    expect(h.socket.openConnections).toBe(3);
    const event = eventCallback();
    const ids = h.stand.connections().map((c) => c.id);
    const acks = await Promise.all(ids.map((connection) => h!.stand.event(event, { connection }).acked));
    expect(new Set(acks.map((a) => a.connection))).toEqual(new Set(ids));
    expect(h.queue.published.map((e) => e.id)).toEqual([event.event_id]);
  });

  it("a malformed envelope is acked (Slack would resend the same bytes) and queues nothing", async () => {
    h = await startHarness();
    const ack = await h.stand.event({ type: "event_callback", event: { type: "app_mention" } }).acked;
    expect(ack.payload).toBeUndefined();
    expect(h.queue.published).toHaveLength(0);
    expect(
      await metricValue(h.metrics, "slackline_socket_envelopes_total", {
        type: "events_api",
        outcome: "rejected",
      }),
    ).toBe(1);
  });

  it("an interaction without a trigger_id is keyed by a hash of its payload, so its redelivery is dropped", async () => {
    h = await startHarness();
    const suggestion = { type: "block_suggestion", action_id: "pick", value: "ap", team: { id: "T0001" } };
    await h.stand.interaction(suggestion).acked;
    await h.stand.interaction(suggestion, { retryAttempt: 1, retryReason: "timeout" }).acked;
    expect(h.queue.published).toHaveLength(1);
    expect(h.queue.published[0]).toMatchObject({
      kind: "interaction",
      team_id: "T0001",
      id: expect.stringMatching(/^In-/),
    });
  });

  it("an envelope of a type it does not know is acked and counted as other/rejected", async () => {
    h = await startHarness();
    const before = h.stand.acks.length;
    h.stand.sendRaw({ envelope_id: "odd-1", type: "something_new", payload: { a: 1 } });
    await until(() => h!.stand.acks.length > before);
    expect(h.stand.acks.at(-1)?.envelope_id).toBe("odd-1");
    expect(h.queue.published).toHaveLength(0);
    expect(
      await metricValue(h.metrics, "slackline_socket_envelopes_total", {
        type: "other",
        outcome: "rejected",
      }),
    ).toBe(1);
  });

  it("an events_api envelope without payload.event does not crash the process and is not acked", async () => {
    h = await startHarness();
    const before = h.stand.acks.length;
    h.stand.sendRaw({ envelope_id: "broken-1", type: "events_api", payload: { type: "app_rate_limited" } });
    // A well-formed envelope after it still goes through.
    await h.stand.event(eventCallback()).acked;
    expect(h.stand.acks.slice(before).map((a) => a.envelope_id)).not.toContain("broken-1");
  });

  it("no ack while the publish fails; the redelivery after the ack timeout is queued once", async () => {
    h = await startHarness({ stand: { ackTimeoutMs: 300 } });
    h.queue.failPublishes = true;
    const event = eventCallback(eventId());
    const delivery = h.stand.event(event);
    await until(() => delivery.attempts.length >= 2, 5000);
    expect(delivery.ack).toBeUndefined();
    expect(
      await metricValue(h.metrics, "slackline_socket_envelopes_total", {
        type: "events_api",
        outcome: "unavailable",
      }),
    ).toBeGreaterThanOrEqual(1);
    h.queue.failPublishes = false;
    const ack = await delivery.acked;
    const attempt = delivery.attempts.find((a) => a.envelope_id === ack.envelope_id);
    expect(attempt?.retry_attempt).toBeGreaterThanOrEqual(1);
    expect(h.queue.published.map((e) => [e.id, e.retry_reason])).toEqual([[event.event_id, "timeout"]]);
  });
});
