import { ErrorCode, LogLevel, type WebAPIPlatformError, WebClient } from "@slack/web-api";
import type { FakeSlack } from "../../../src/testing/index.js";

export const client = (slack: FakeSlack, token: string): WebClient =>
  new WebClient(token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });

/** The Slack error of a failed call, with the fields Slack puts beside `error` (needed, provided). */
export async function slackFailure(call: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await call;
  } catch (err) {
    const e = err as WebAPIPlatformError;
    if (e.code === ErrorCode.PlatformError) return e.data as unknown as Record<string, unknown>;
    throw err;
  }
  throw new Error("the call succeeded");
}
