import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Envelope } from "../../../src/envelope/envelope.js";
import { FakeSlack, sampleEnvelope } from "../../../src/testing/index.js";
import type { Harness } from "./harness.js";

/** The workspace every case runs against; cases add their own channels so they never share one. */
export async function startWorkspace(): Promise<FakeSlack> {
  const slack = await FakeSlack.start({
    bots: [
      { token: "xoxb-fake-token", user_id: "U0BOT", bot_id: "B0BOT", app_id: "A0BOT", name: "slackline" },
      { token: "xoxb-narrow", user_id: "UNARROW", scopes: ["chat:write"] },
    ],
    userTokens: [{ token: "xoxp-alice", user_id: "UALICE" }],
    seed: {
      users: [
        { id: "UALICE", name: "alice", real_name: "Alice Example", email: "alice@example.com" },
        { id: "UBOB", name: "bob", real_name: "Bob Builder", email: "bob@example.com" },
        { id: "UCAROL", name: "carol", real_name: "Carol Singer", email: "carol@elsewhere.test" },
      ],
      usergroups: [{ id: "SONCALL", handle: "oncall", name: "On call", users: ["UALICE", "UBOB"] }],
      emoji: { shipit: "https://emoji.example/shipit.png" },
    },
  });
  // Enough channels that resources/list needs more than one page.
  for (let i = 0; i < 120; i++)
    slack.addChannel({ id: `CBULK${String(i).padStart(3, "0")}`, name: `bulk-${i}` });
  return slack;
}

/** What a case gets: the server for its profile, the fake Slack, and a fresh channel of its own. */
export interface CaseContext {
  h: Harness;
  slack: FakeSlack;
  /** A new public channel (bot, alice and bob are members), unique to this case. */
  channel(): string;
}

export const data = (r: CallToolResult): Record<string, unknown> =>
  r.structuredContent as Record<string, unknown>;
export const textOf = (r: CallToolResult): string => (r.content[0] as { text: string }).text;

/** An Events API envelope carrying `event`. */
export function eventEnvelope(event: Record<string, unknown>): Envelope {
  const base = sampleEnvelope();
  return { ...base, body: { ...(base.body as Record<string, unknown>), event } };
}

export const ids = (list: unknown): string[] => (list as { id: string }[]).map((e) => e.id);
