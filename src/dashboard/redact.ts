/**
 * A copy of a Slack payload fit to show a person: tokens, secrets and signed URLs replaced.
 *
 * - fields named like a credential (`token`, `*_token`, `secret`, `password`, `authorization`,
 *   `signature`, `cookie`, `api_key`) lose their value, whatever it is (Slack's legacy verification
 *   `token` is in every Events API body);
 * - a Slack token anywhere in a string (`xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-`, `xoxe-`, `xapp-`)
 *   is cut to its prefix;
 * - `hooks.slack.com` URLs (`response_url`, incoming webhooks) keep their path up to the secret part:
 *   whoever holds the full URL can post as the app.
 */
export const REDACTED = "[redacted]";

// Slack's `authorizations` (who the event is for) is not a credential; `authorization` is.
const CREDENTIAL_KEY = /(^|_|-)(token|secret|password|passwd|signature|cookie|api_?key)s?$|^authorization$/i;
const SLACK_TOKEN = /\b(xox[abeoprs]|xapp)-[A-Za-z0-9-]+/g;
const SLACK_HOOK = /https:\/\/hooks\.slack\.com\/[^\s"']+/g;

/** Keeps a hook URL's kind and the ids before its secret (the last path segment). */
function redactHook(url: string): string {
  const cut = url.lastIndexOf("/");
  return cut > "https://hooks.slack.com".length ? `${url.slice(0, cut + 1)}${REDACTED}` : url;
}

export function redactString(value: string): string {
  if (!value.includes("x") && !value.includes("hooks.slack.com")) return value;
  return value
    .replace(SLACK_TOKEN, (_m, prefix: string) => `${prefix}-${REDACTED}`)
    .replace(SLACK_HOOK, redactHook);
}

const MAX_DEPTH = 64;

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactString(value);
  if (typeof value !== "object" || value === null) return value;
  if (depth > MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = CREDENTIAL_KEY.test(key) && v !== null && v !== "" ? REDACTED : redact(v, depth + 1);
  }
  return out;
}
