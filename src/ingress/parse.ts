import { createHash } from "node:crypto";
import type { EnvelopeKind } from "../envelope/envelope.js";

/** What a verified request body turned out to be. */
export type ParsedRequest =
  | { type: "url_verification"; challenge: string }
  | { type: "ssl_check" }
  | {
      type: "delivery";
      kind: EnvelopeKind;
      id: string;
      teamId: string | null;
      body: Record<string, unknown>;
      /**
       * An interaction's `payload` field: the body's JSON as received. The envelope is written around
       * it, as around a JSON request's body, so no JSON.stringify runs (nor overflows the stack on a
       * deeply nested payload).
       */
      json?: string;
    }
  | { type: "malformed"; reason: string };

export type BodyFormat = "json" | "form";

/** Maps a Content-Type header (parameters such as `; charset=utf-8` allowed) to the format we take, or null. */
export function bodyFormat(contentType: string | undefined): BodyFormat | null {
  if (!contentType) return null;
  const semicolon = contentType.indexOf(";");
  const mime = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (mime === "application/json") return "json";
  if (mime === "application/x-www-form-urlencoded") return "form";
  return null;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);

/** Slack sends no id for interactions and commands: their trigger_id, else a hash of the exact body. */
const stableId = (prefix: string, triggerId: unknown, raw: string): string =>
  str(triggerId) ?? `${prefix}${createHash("sha256").update(raw).digest("base64url").slice(0, 32)}`;

function parseJson(raw: string): ParsedRequest {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return { type: "malformed", reason: "body is not valid JSON" };
  }
  if (!isRecord(body)) return { type: "malformed", reason: "body is not a JSON object" };
  if (body.type === "url_verification") {
    const challenge = str(body.challenge);
    return challenge
      ? { type: "url_verification", challenge }
      : { type: "malformed", reason: "no challenge" };
  }
  return eventDelivery(body, raw);
}

type Delivery = Extract<ParsedRequest, { type: "delivery" }>;
type Malformed = Extract<ParsedRequest, { type: "malformed" }>;

/**
 * An Events API body (already parsed) as a delivery; `raw` is its text, hashed for envelopes that
 * carry no event_id. HTTP and Socket Mode (`events_api` envelopes) both build events here.
 */
export function eventDelivery(body: Record<string, unknown>, raw: string): Delivery | Malformed {
  if (typeof body.type !== "string") return { type: "malformed", reason: "no type" };
  if (body.type === "event_callback") {
    const id = str(body.event_id);
    if (!id) return { type: "malformed", reason: "event_callback without event_id" };
    if (!isRecord(body.event) || typeof body.event.type !== "string") {
      return { type: "malformed", reason: "event_callback without an event type" };
    }
    return { type: "delivery", kind: "event", id, teamId: str(body.team_id), body };
  }
  // Other Events API envelopes (app_rate_limited, ...) carry no event_id.
  return { type: "delivery", kind: "event", id: stableId("Ev-", null, raw), teamId: str(body.team_id), body };
}

/** An interaction payload (already parsed: a form's `payload`, a Socket Mode `interactive` envelope's). */
export function interactionDelivery(body: unknown, raw: string, json?: string): Delivery | Malformed {
  if (!isRecord(body) || typeof body.type !== "string") {
    return { type: "malformed", reason: "payload without a type" };
  }
  const team = isRecord(body.team) ? str(body.team.id) : null;
  const user = isRecord(body.user) ? str(body.user.team_id) : null;
  return {
    type: "delivery",
    kind: "interaction",
    id: stableId("In-", body.trigger_id, raw),
    teamId: team ?? user,
    body,
    ...(json === undefined ? {} : { json }),
  };
}

/** A slash command's fields (a form's, a Socket Mode `slash_commands` envelope's payload). */
export function commandDelivery(body: Record<string, unknown>, raw: string): Delivery | Malformed {
  if (typeof body.command !== "string" || !body.command.startsWith("/")) {
    return { type: "malformed", reason: "slash command without a command" };
  }
  return {
    type: "delivery",
    kind: "command",
    id: stableId("Cm-", body.trigger_id, raw),
    teamId: str(body.team_id),
    body,
  };
}

function parseForm(raw: string): ParsedRequest {
  const params = new URLSearchParams(raw);
  if (params.get("ssl_check") === "1") return { type: "ssl_check" };
  const payload = params.get("payload");
  if (payload !== null) {
    let body: unknown;
    try {
      body = JSON.parse(payload);
    } catch {
      return { type: "malformed", reason: "payload is not valid JSON" };
    }
    return interactionDelivery(body, raw, payload);
  }
  const command = params.get("command");
  if (command?.startsWith("/")) {
    const body: Record<string, string> = {};
    for (const [key, value] of params) body[key] = value;
    return commandDelivery(body, raw);
  }
  return { type: "malformed", reason: "form body is neither an interaction payload nor a slash command" };
}

/**
 * Slack's SSL check of a slash command's URL: `ssl_check=1` in a form. It may come unsigned, so it is
 * answered before verification; it publishes nothing. Scans a form body for the marker only.
 */
export function isSslCheck(format: BodyFormat, raw: Buffer): boolean {
  if (format !== "form" || !raw.includes("ssl_check=1")) return false;
  return new URLSearchParams(raw.toString("utf8")).get("ssl_check") === "1";
}

export function parseSlackBody(format: BodyFormat, raw: string): ParsedRequest {
  return format === "json" ? parseJson(raw) : parseForm(raw);
}
