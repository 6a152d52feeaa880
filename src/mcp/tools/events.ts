import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { EventInbox } from "../inbox/inbox.js";
import { ok } from "../results.js";

/** Below the MCP clients' usual 60 s request timeout, so a long poll ends before the client gives up. */
export const MAX_WAIT_SECONDS = 50;

export function registerEventTools(server: McpServer, inbox: EventInbox): void {
  server.registerTool(
    "slack_wait_for_events",
    {
      title: "Wait for Slack events",
      description:
        "Long-poll the bot's event inbox: returns matching Slack events at once if some are waiting, else as soon " +
        "as one arrives, else an empty list after timeout_seconds. Returned events are consumed; events that do " +
        "not match stay for later calls. Each has the envelope id and kind, and the Slack event itself.",
      inputSchema: {
        types: z
          .array(z.string().min(1))
          .optional()
          .describe(
            'Event types: "app_mention", "message", "message.im", "reaction_added", "block_actions", "/deploy"…',
          ),
        channel: z.string().min(1).optional().describe("Only events in this channel id."),
        max: z.number().int().min(1).max(100).optional().describe("At most this many events (default 10)."),
        timeout_seconds: z
          .number()
          .min(0)
          .max(MAX_WAIT_SECONDS)
          .optional()
          .describe(`How long to wait when nothing matches yet (default 20, at most ${MAX_WAIT_SECONDS}).`),
      },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async ({ types, channel, max, timeout_seconds }, extra) => {
      const events = await inbox.wait(
        { types, channel },
        { max: max ?? 10, timeoutMs: (timeout_seconds ?? 20) * 1000, signal: extra.signal },
      );
      const result: Record<string, unknown> = { events, count: events.length, held: inbox.size };
      if (inbox.full) {
        result.note =
          "The inbox is full of events no call has taken; newer events wait behind them. " +
          "Call slack_wait_for_events without a filter to take them.";
      }
      return ok(result);
    },
  );
}
