import { z } from "zod";
import type { EventInbox } from "../inbox/inbox.js";
import { failed, ok } from "../results.js";
import type { RegisterTool } from "./deps.js";
import { outcome } from "./outputs.js";

/** Below the MCP clients' usual 60 s request timeout, so a long poll ends before the client gives up. */
export const MAX_WAIT_SECONDS = 50;

const eventOut = z
  .looseObject({
    id: z.string(),
    kind: z.string(),
    type: z.string().nullable(),
    channel: z.string().nullable(),
    attempt: z.number().describe("1 the first time; more when it came back (an ack lease ran out)"),
    receipt: z.string().optional().describe("ack: false only: pass to slack_ack_events when done"),
    ack_deadline: z
      .number()
      .optional()
      .describe("ack: false only: ms since the epoch; unacked, it comes back then"),
  })
  .describe("{ id, kind, team_id, received_at, type, subtype, channel, event, attempt, receipt? }");

export function registerEventTools(register: RegisterTool, inbox: EventInbox): void {
  register(
    "slack_wait_for_events",
    {
      title: "Wait for Slack events",
      description:
        "Long-poll the bot's event inbox: returns matching Slack events at once if some are waiting, else as soon " +
        "as one arrives, else an empty list after timeout_seconds. Returned events are consumed, unless ack is " +
        "false: then each has a receipt, and comes back if slack_ack_events does not ack it before its " +
        "ack_deadline (so a crash mid-task loses nothing). Events that do not match stay for later calls. " +
        "Messages posted through this server are skipped (unless SLACKLINE_MCP_INBOX_INCLUDE_OWN).",
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
        ack: z
          .boolean()
          .optional()
          .describe("Default true: returned events are done. False: ack them with slack_ack_events."),
      },
      outputSchema: outcome({
        events: z.array(eventOut),
        count: z.number(),
        held: z.number().describe("events still held for later calls"),
        awaiting_ack: z.number().describe("events returned with ack: false, not acked yet"),
        note: z.string(),
      }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async ({ types, channel, max, timeout_seconds, ack }, extra) => {
      const events = await inbox.wait(
        { types, channel },
        { max: max ?? 10, timeoutMs: (timeout_seconds ?? 20) * 1000, signal: extra.signal, ack },
      );
      const result: Record<string, unknown> = {
        events,
        count: events.length,
        held: inbox.size,
        awaiting_ack: inbox.awaitingAck,
      };
      if (inbox.full) {
        result.note =
          "The inbox is full of events no call has taken (or acked); newer events wait behind them. " +
          "Call slack_wait_for_events without a filter, or ack what you hold.";
      }
      return ok(result);
    },
  );

  register(
    "slack_ack_events",
    {
      title: "Acknowledge Slack events",
      description:
        "Ack events returned by slack_wait_for_events with ack: false, by their receipts, once they are handled. " +
        "A receipt listed in `unknown` was never issued or its lease ran out (that event came back to the inbox).",
      inputSchema: {
        receipts: z.array(z.string().min(1)).min(1).max(100).describe("The events' receipts."),
      },
      outputSchema: outcome({
        acked: z.array(z.string()).describe("ids of the events acked"),
        unknown: z.array(z.string()).describe("receipts not acked: unknown or expired"),
      }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    async ({ receipts }) => ok({ ok: true, ...(await inbox.ack(receipts)) }),
  );

  register(
    "slack_get_event",
    {
      title: "Get one Slack event",
      description:
        "One inbox event by id, without taking it: held (not returned yet), pending_ack (returned with ack: " +
        "false) or acked (recently).",
      inputSchema: { id: z.string().min(1).describe("The event id (Slack's event_id).") },
      outputSchema: outcome({
        event: eventOut,
        state: z.enum(["held", "pending_ack", "acked"]),
      }),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ id }) => {
      const found = inbox.get(id);
      if (!found)
        return failed("event_not_found", `No event ${id} is held, awaiting an ack, or recently acked.`, {
          id,
        });
      return ok({ event: found.event, state: found.state });
    },
  );
}
