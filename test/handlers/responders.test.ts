import { describe, expect, it } from "vitest";
import type { Envelope } from "../../src/envelope/envelope.js";
import { answerOf, fallbackAnswer } from "../../src/handlers/responder-runner.js";
import { Router, responderRouteOfMethod } from "../../src/handlers/router.js";

const interaction = (body: Record<string, unknown>): Envelope => ({
  v: 1,
  id: "In-1",
  kind: "interaction",
  received_at: 0,
  retry_num: 0,
  retry_reason: null,
  team_id: "T1",
  body,
});

describe("responder matching", () => {
  it("by callbackId of a view, a RegExp, and the first registered match wins", () => {
    const a = () => undefined;
    const b = () => undefined;
    const router = new Router()
      .respond("view_submission", a, { callbackId: /^deploy_/ })
      .respond("view_submission", b);
    const found = router.responders.find(
      interaction({ type: "view_submission", view: { callback_id: "deploy_x" } }),
    );
    expect(found?.options.callbackId).toEqual(/^deploy_/);
    const other = router.responders.find(
      interaction({ type: "view_submission", view: { callback_id: "other" } }),
    );
    expect(other?.options).toEqual({});
  });

  it("Events API envelopes never have a responder; nor a type without one", () => {
    const router = new Router().respond("block_suggestion", () => ({ options: [] }));
    expect(router.responders.find({ ...interaction({ type: "block_actions" }) })).toBeNull();
    expect(
      router.responders.find({ ...interaction({ type: "block_suggestion" }), kind: "event" }),
    ).toBeNull();
  });

  it("class methods name their routes: answerX and answerCommand__Name", () => {
    expect(responderRouteOfMethod("answerBlockSuggestion")).toBe("block_suggestion");
    expect(responderRouteOfMethod("answerViewSubmission")).toBe("view_submission");
    expect(responderRouteOfMethod("answerCommand__Deploy")).toBe("/deploy");
    expect(responderRouteOfMethod("answerCommand__Deploy__Now")).toBe("/deploy-now");
  });

  it("queues() counts named routes, not the onUnknown fallback", () => {
    const onlyFallback = new Router().onUnknown(() => {});
    expect(onlyFallback.queues(interaction({ type: "block_suggestion" }))).toBe(false);
    const named = new Router().on("block_suggestion", () => {});
    expect(named.queues(interaction({ type: "block_suggestion" }))).toBe(true);
  });
});

describe("answers", () => {
  it("object -> JSON, string -> text, nothing -> empty; anything else is refused", () => {
    expect(answerOf({ options: [] })).toEqual({
      contentType: "application/json; charset=utf-8",
      body: '{"options":[]}',
    });
    expect(answerOf("hi")).toEqual({ contentType: "text/plain; charset=utf-8", body: "hi" });
    expect(answerOf(undefined)).toEqual({ contentType: null, body: "" });
    expect(() => answerOf(42)).toThrow(TypeError);
  });

  it("the fallback per payload: empty options for lookups, empty for the rest", () => {
    expect(fallbackAnswer("block_suggestion").body).toBe('{"options":[]}');
    expect(fallbackAnswer("dialog_suggestion").body).toBe('{"options":[]}');
    for (const route of ["view_submission", "dialog_submission", "interactive_message", "/deploy"])
      expect(fallbackAnswer(route).body).toBe("");
  });
});
