import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { ok, slackCall, slackErrorOf, slackFailure } from "../results.js";
import { clientOf, type RegisterTool, type ToolDeps } from "./deps.js";
import { outcome } from "./outputs.js";
import { channelArg, tsArg } from "./schemas.js";

/** Agents often write ":eyes:"; Slack wants "eyes". */
const bare = (emoji: string): string => emoji.trim().replace(/^:/, "").replace(/:$/, "");

export async function listEmoji(slack: WebClient): Promise<Record<string, string>> {
  const res = await slack.emoji.list();
  return (res.emoji ?? {}) as Record<string, string>;
}

const reactionArgs = {
  channel: channelArg,
  timestamp: tsArg("The message's ts."),
  emojis: z
    .array(z.string().min(1))
    .min(1)
    .max(20)
    .describe('Emoji names, e.g. ["eyes", "white_check_mark"].'),
};

export function registerReactionTools(register: RegisterTool, deps: ToolDeps): void {
  const { policy } = deps;
  register(
    "slack_add_reactions",
    {
      title: "React to a Slack message",
      description:
        "Add emoji reactions to a message. An emoji this bot already reacted with is reported, not an error.",
      inputSchema: reactionArgs,
      outputSchema: outcome({
        channel: z.string(),
        timestamp: z.string(),
        added: z.array(z.string()),
        already: z.array(z.string()).describe("already there: not an error"),
      }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async ({ channel, timestamp, emojis }) => {
      const denied = policy.check(channel);
      if (denied) return denied;
      const added: string[] = [];
      const already: string[] = [];
      for (const name of emojis.map(bare)) {
        try {
          await clientOf(deps.bot).reactions.add({ channel, timestamp, name });
          added.push(name);
        } catch (err) {
          if (slackErrorOf(err).error === "already_reacted") already.push(name);
          else return slackFailure("reactions.add", err, { added, already });
        }
      }
      return ok({ ok: true, channel, timestamp, added, already });
    },
  );

  register(
    "slack_remove_reactions",
    {
      title: "Remove reactions from a Slack message",
      description:
        "Remove the bot's own emoji reactions from a message. An emoji the bot had not reacted with is reported in `absent`, not an error.",
      inputSchema: reactionArgs,
      outputSchema: outcome({
        channel: z.string(),
        timestamp: z.string(),
        removed: z.array(z.string()),
        absent: z.array(z.string()).describe("the bot had not reacted with these: not an error"),
      }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    async ({ channel, timestamp, emojis }) => {
      const denied = policy.check(channel);
      if (denied) return denied;
      const removed: string[] = [];
      const absent: string[] = [];
      for (const name of emojis.map(bare)) {
        try {
          await clientOf(deps.bot).reactions.remove({ channel, timestamp, name });
          removed.push(name);
        } catch (err) {
          if (slackErrorOf(err).error === "no_reaction") absent.push(name);
          else return slackFailure("reactions.remove", err, { removed, absent });
        }
      }
      return ok({ ok: true, channel, timestamp, removed, absent });
    },
  );

  register(
    "slack_read_emojis",
    {
      title: "List custom emoji",
      description: "The workspace's custom emoji: name -> image URL, or alias:<other name>.",
      outputSchema: outcome({ count: z.number(), emoji: z.record(z.string(), z.string()) }),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async () =>
      slackCall("emoji.list", async () => {
        const emoji = await listEmoji(clientOf(deps.bot));
        return ok({ count: Object.keys(emoji).length, emoji });
      }),
  );
}
