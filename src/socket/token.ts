import { ErrorCode as WebApiErrorCode } from "@slack/web-api";
import { ConfigError } from "../config/config-error.js";

/** An app-level token: Slack's Basic Information page, App-Level Tokens, with `connections:write`. */
export function checkAppToken(token: string | undefined): string {
  const value = token?.trim();
  if (!value) {
    throw new ConfigError(
      "SLACK_APP_TOKEN is not set; Socket Mode needs an app-level token (xapp-...) with the connections:write scope (your app's Basic Information page, App-Level Tokens)",
    );
  }
  if (!value.startsWith("xapp-")) {
    const kind = /^xox[a-z]-/.exec(value)?.[0];
    throw new ConfigError(
      `SLACK_APP_TOKEN must be an app-level token starting with xapp-${kind ? ` (got a ${kind} token: that is a bot or user token)` : ""}; create one with the connections:write scope on your app's Basic Information page`,
    );
  }
  return value;
}

/** apps.connections.open errors that no retry can fix: the token is wrong, revoked or of the wrong kind. */
const TOKEN_ERRORS = new Set([
  "not_authed",
  "invalid_auth",
  "not_allowed_token_type",
  "token_revoked",
  "token_expired",
  "account_inactive",
  "missing_scope",
  "team_disabled",
  "user_removed_from_team",
]);

/** The platform error code of a failed apps.connections.open, when Slack refused the token. */
export function tokenRefusal(err: unknown): string | null {
  if (typeof err !== "object" || err === null) return null;
  const e = err as { code?: unknown; data?: { error?: unknown } };
  if (e.code !== WebApiErrorCode.PlatformError) return null;
  const code = e.data?.error;
  return typeof code === "string" && TOKEN_ERRORS.has(code) ? code : null;
}

export function tokenRefused(code: string, cause: unknown): ConfigError {
  const hint =
    code === "not_allowed_token_type"
      ? "it is not an app-level token"
      : code === "missing_scope"
        ? "it lacks the connections:write scope"
        : "it is wrong or was revoked";
  return new ConfigError(
    `SLACK_APP_TOKEN was refused by Slack's apps.connections.open (${code}): ${hint}; make an app-level token with connections:write on your app's Basic Information page, and turn on Socket Mode`,
    { cause },
  );
}
