import { describe, expect, it } from "vitest";
import type { Envelope } from "../../src/envelope/envelope.js";
import { Router, routeNameOfMethod, routeNamesOf } from "../../src/handlers/router.js";
import { sampleEnvelope } from "../../src/testing/envelopes.js";

const eventEnvelope = (event: Record<string, unknown>): Envelope =>
  sampleEnvelope({ body: { type: "event_callback", event_id: "Ev1", team_id: "T1", event } });

const matchedNames = (router: Router, envelope: Envelope) => router.match(envelope).map((r) => r.id);

describe("routing", () => {
  it("routes Events API envelopes on body.event.type, never on the envelope's own type", () => {
    const router = new Router()
      .on("app_mention", () => {}, { id: "mention" })
      .on("event_callback", () => {}, { id: "wrong" });
    expect(matchedNames(router, eventEnvelope({ type: "app_mention" }))).toEqual(["mention"]);
  });

  it("matches type, type.subtype, Slack's message.<channel_type> subscriptions and *", () => {
    const bot = eventEnvelope({ type: "message", subtype: "bot_message", channel_type: "channel" });
    expect(routeNamesOf(bot)).toEqual(["*", "message", "message.bot_message", "message.channels"]);
    expect(routeNamesOf(eventEnvelope({ type: "message", channel_type: "im" }))).toContain("message.im");
    expect(routeNamesOf(eventEnvelope({ type: "message", channel_type: "mpim" }))).toContain("message.mpim");
    expect(routeNamesOf(eventEnvelope({ type: "message", channel_type: "group" }))).toContain(
      "message.groups",
    );
  });

  it("message.im matches every IM message, subtypes included, and not channel messages", () => {
    const router = new Router().on("message.im", () => {}, { id: "im" });
    expect(matchedNames(router, eventEnvelope({ type: "message", channel_type: "im" }))).toEqual(["im"]);
    expect(
      matchedNames(
        router,
        eventEnvelope({ type: "message", subtype: "message_changed", channel_type: "im" }),
      ),
    ).toEqual(["im"]);
    expect(matchedNames(router, eventEnvelope({ type: "message", channel_type: "channel" }))).toEqual([]);
  });

  it("routes interactions on their type and commands on the command", () => {
    const router = new Router()
      .on("block_actions", () => {}, { id: "actions" })
      .command("/deploy", () => {}, { id: "deploy" })
      .on("*", () => {}, { id: "star" });
    const interaction = sampleEnvelope({ kind: "interaction", body: { type: "block_actions", actions: [] } });
    const command = sampleEnvelope({ kind: "command", body: { command: "/deploy", text: "" } });
    expect(matchedNames(router, interaction)).toEqual(["actions"]);
    expect(matchedNames(router, command)).toEqual(["deploy"]);
  });

  it("orders by priority, then registration; unknown runs only when nothing matched", () => {
    const router = new Router()
      .on("message", () => {}, { id: "b" })
      .on("*", () => {}, { id: "a", priority: -1 })
      .message(() => {}, { id: "c" })
      .on("message.channels", () => {}, { id: "first", priority: -5 })
      .onUnknown(() => {}, { id: "unknown" });
    expect(matchedNames(router, eventEnvelope({ type: "message", channel_type: "channel" }))).toEqual([
      "first",
      "a",
      "b",
      "c",
    ]);
    expect(matchedNames(router, sampleEnvelope({ kind: "command", body: { command: "/nope" } }))).toEqual([
      "unknown",
    ]);
  });

  it("keeps one route name's handlers in run order however they were registered", () => {
    const router = new Router()
      .on("app_mention", () => {}, { id: "late", priority: 5 })
      .on("app_mention", () => {}, { id: "early", priority: -5 })
      .on("app_mention", () => {}, { id: "middle" });
    const mention = eventEnvelope({ type: "app_mention" });
    expect(matchedNames(router, mention)).toEqual(["early", "middle", "late"]);
    // The same list every time (no copy per delivery), and again after another registration.
    expect(router.match(mention)).toBe(router.match(mention));
    router.on("app_mention", () => {}, { id: "first", priority: -9 });
    expect(matchedNames(router, mention)).toEqual(["first", "early", "middle", "late"]);
  });

  it("gives handlers stable default ids and refuses duplicates", () => {
    const router = new Router().on("app_mention", () => {}).on("app_mention", () => {});
    expect(matchedNames(router, eventEnvelope({ type: "app_mention" }))).toEqual([
      "app_mention#0",
      "app_mention#1",
    ]);
    expect(() => router.on("x", () => {}, { id: "app_mention#0" })).toThrow(/share the id/);
  });
});

describe("class style", () => {
  it("maps method names to routes", () => {
    expect(routeNameOfMethod("onAppMention")).toBe("app_mention");
    expect(routeNameOfMethod("onMessage__BotMessage")).toBe("message.bot_message");
    expect(routeNameOfMethod("onMessage__Im")).toBe("message.im");
    expect(routeNameOfMethod("onBlockActions")).toBe("block_actions");
  });

  it("registers a class's on* methods, bound to one instance, with onUnknown as the fallback", async () => {
    const seen: string[] = [];
    class Bot {
      prefix = "bot";
      onAppMention() {
        seen.push(`${this.prefix}:mention`);
      }
      onMessage__BotMessage() {
        seen.push(`${this.prefix}:bot_message`);
      }
      onUnknown() {
        seen.push(`${this.prefix}:unknown`);
      }
      helper() {
        seen.push("never");
      }
    }
    const router = new Router().use(Bot);
    const run = async (e: Envelope) => {
      for (const r of router.match(e)) await (r.handler as (...a: unknown[]) => unknown)(null, null);
    };
    await run(eventEnvelope({ type: "app_mention" }));
    await run(eventEnvelope({ type: "message", subtype: "bot_message" }));
    await run(eventEnvelope({ type: "reaction_added" }));
    expect(seen).toEqual(["bot:mention", "bot:bot_message", "bot:unknown"]);
  });
});
