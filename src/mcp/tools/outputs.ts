import { type ZodType, z } from "zod";

/**
 * A tool's outputSchema: its result fields, plus what a failed call carries. structuredContent of an
 * isError result is `{ ok: false, error, method?, retry_after?, needed?, ... }`, and MCP clients
 * validate it against the same schema, so every field is optional and the error fields are declared.
 * Loose: a failure may carry context (the channel refused, what was already posted).
 */
export function outcome<S extends Record<string, ZodType>>(shape: S) {
  const optional = Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof S]: z.ZodOptional<S[K]>;
  };
  return z.looseObject({
    ...optional,
    ok: z.boolean().optional().describe("false, with `error`, when the call failed"),
    error: z.string().optional().describe("Slack's error code (or Slackline's) when the call failed"),
    method: z.string().optional().describe("the Slack method that failed"),
    retry_after: z.number().optional().describe("ratelimited: seconds to wait"),
    needed: z.string().optional().describe("missing_scope: the OAuth scope the token lacks"),
    provided: z.string().optional(),
    source: z.string().optional().describe('"slackline" when paced before reaching Slack'),
    detail: z.string().optional(),
  });
}

export const messageOut = z
  .looseObject({ ts: z.string(), user: z.string().optional(), text: z.string().optional() })
  .describe("A message: ts, user, text, thread_ts, reply_count, reactions, files, metadata…");

export const channelOut = z.looseObject({ id: z.string(), name: z.string().optional() });

export const userOut = z.looseObject({ id: z.string(), name: z.string().optional() });

export const nextCursorOut = z
  .string()
  .nullable()
  .describe("Pass as `cursor` for the next page; null on the last.");
