import { describe, expectTypeOf, it } from "vitest";
import { Router } from "../../src/handlers/router.js";

// These assertions are checked by `tsc` (npm run typecheck, part of CI): a wrong property on a typed
// event is a compile error, marked by @ts-expect-error, which itself fails if the error disappears.
describe("handler argument types", () => {
  it("types handler payloads from @slack/types by route name", () => {
    const router = new Router();
    router.on("app_mention", (event, ctx) => {
      expectTypeOf(event.type).toEqualTypeOf<"app_mention">();
      expectTypeOf(event.channel).toEqualTypeOf<string>();
      expectTypeOf(ctx.attempt).toEqualTypeOf<number>();
      // @ts-expect-error app_mention events have no "reaction"
      void event.reaction;
    });
    router.on("reaction_added", (event) => {
      expectTypeOf(event.reaction).toEqualTypeOf<string>();
      // @ts-expect-error reaction_added events have no "text"
      void event.text;
    });
    router.on("message.bot_message", (event) => {
      expectTypeOf(event.subtype).toEqualTypeOf<"bot_message">();
    });
    router.on("/deploy", (command) => {
      expectTypeOf(command.text).toEqualTypeOf<string>();
    });
    router.on("block_actions", (payload) => {
      expectTypeOf(payload.actions).toBeArray();
    });
    router.appMention((event) => {
      // @ts-expect-error a typo is caught
      void event.chanel;
    });
  });
});
