/** A Slack Web API error: the method answers `{ ok: false, error: code }` with HTTP 200, as Slack does. */
export class SlackApiError extends Error {
  constructor(
    readonly code: string,
    /** Extra fields Slack puts next to `error` (e.g. `needed`, `provided`). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code);
    this.name = "SlackApiError";
  }
}

export const fail = (code: string, extra?: Record<string, unknown>): never => {
  throw new SlackApiError(code, extra);
};
