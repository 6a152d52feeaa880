import { z } from "zod";

/** Shared argument schemas: descriptions double as the agent's documentation. */
export const channelArg = z
  .string()
  .min(1)
  .describe("Channel id (C…, G… or D…). Find ids with slack_list_channels.");

export const tsArg = (what: string) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, "a Slack timestamp like 1700000000.000100")
    .describe(what);

export const cursorArg = z
  .string()
  .min(1)
  .optional()
  .describe("next_cursor from a previous call, to read the next page.");

export const limitArg = (fallback: number, max: number) =>
  z
    .number()
    .int()
    .min(1)
    .max(max)
    .optional()
    .describe(`How many to return (default ${fallback}, at most ${max}).`);
