import { afterAll, beforeAll, describe, it } from "vitest";
import type { FakeSlack } from "../../../src/testing/index.js";
import { CASES } from "./cases.js";
import { type Harness, startHarness, type Transport } from "./harness.js";
import { type Profile, profileEnv } from "./profiles.js";
import { startWorkspace } from "./world.js";

/** Every case of CASES, through the real MCP SDK client over `transport`, against the fake Slack. */
export function toolSuite(transport: Transport): void {
  describe(`MCP tools over ${transport}`, () => {
    let slack: FakeSlack;
    const servers = new Map<Profile, Promise<Harness>>();
    let channels = 0;

    beforeAll(async () => {
      slack = await startWorkspace();
    });

    afterAll(async () => {
      for (const h of servers.values()) await (await h).close();
      await slack?.close();
    });

    const server = (profile: Profile): Promise<Harness> => {
      let h = servers.get(profile);
      if (!h) {
        h = startHarness(transport, profileEnv(profile, slack));
        servers.set(profile, h);
      }
      return h;
    };

    for (const c of CASES) {
      it(c.name, async () => {
        const h = await server(c.profile ?? "full");
        await c.run({
          h,
          slack,
          channel: () => {
            channels += 1;
            const id = `CCASE${transport.toUpperCase()}${channels}`;
            slack.addChannel({
              id,
              name: `case-${transport}-${channels}`,
              members: ["U0BOT", "UALICE", "UBOB"],
            });
            return id;
          },
        });
      });
    }
  });
}
