import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { ok, slackCall, slackErrorOf, slackFailure } from "../results.js";
import type { ToolDeps } from "./deps.js";
import { channelArg, tsArg } from "./schemas.js";

/** Agents often write ":eyes:"; Slack wants "eyes". */
const bare = (emoji: string): string => emoji.trim().replace(/^:/, "").replace(/:$/, "");

async function listEmoji(slack: WebClient): Promise<Record<string, string>> {
  const res = await slack.emoji.list();
  return (res.emoji ?? {}) as Record<string, string>;
}

export function registerReactionTools(server: McpServer, { slack, policy }: ToolDeps): void {
  server.registerTool(
    "slack_add_reactions",
    {
      title: "React to a Slack message",
      description:
        "Add emoji reactions to a message. An emoji this bot already reacted with is reported, not an error.",
      inputSchema: {
        channel: channelArg,
        timestamp: tsArg("The message's ts."),
        emojis: z
          .array(z.string().min(1))
          .min(1)
          .max(20)
          .describe('Emoji names, e.g. ["eyes", "white_check_mark"].'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async ({ channel, timestamp, emojis }) => {
      const denied = policy.check(channel);
      if (denied) return denied;
      const added: string[] = [];
      const already: string[] = [];
      for (const name of emojis.map(bare)) {
        try {
          await slack.reactions.add({ channel, timestamp, name });
          added.push(name);
        } catch (err) {
          if (slackErrorOf(err).error === "already_reacted") already.push(name);
          else return slackFailure("reactions.add", err, { added, already });
        }
      }
      return ok({ ok: true, channel, timestamp, added, already });
    },
  );

  server.registerTool(
    "slack_read_emojis",
    {
      title: "List custom emoji",
      description: "The workspace's custom emoji: name -> image URL, or alias:<other name>.",
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async () =>
      slackCall("emoji.list", async () => {
        const emoji = await listEmoji(slack);
        return ok({ count: Object.keys(emoji).length, emoji });
      }),
  );

  server.registerResource(
    "slack-emojis",
    "slack://emojis",
    {
      title: "Custom emoji",
      description: "The workspace's custom emoji as JSON.",
      mimeType: "application/json",
    },
    async (uri) => {
      // A resource read has no isError: a Slack failure surfaces as a protocol error naming the code.
      try {
        return {
          contents: [
            { uri: uri.href, mimeType: "application/json", text: JSON.stringify(await listEmoji(slack)) },
          ],
        };
      } catch (err) {
        throw new Error(`Slack emoji.list failed: ${slackErrorOf(err).error}`);
      }
    },
  );
}
