import type { MessageAttributeValue } from "@aws-sdk/client-sqs";

/**
 * Message attributes Slackline sets. SNS hands a publish's attributes on to each raw-delivery
 * subscription's queue, so every copy of a message (and the dead letter SQS's redrive makes of it)
 * carries the topic. Dead letters the worker writes carry the rest. At most 10 per message.
 */
export const A_TOPIC = "slackline.topic";
export const A_GROUP = "slackline.group";
export const A_REASON = "slackline.reason";
export const A_ATTEMPTS = "slackline.attempts";
export const A_DEAD_AT = "slackline.dead_at";
export const A_SOURCE_ID = "slackline.source_id";

/** Reasons are error texts: long ones are cut (the whole message must stay under SQS's size limit). */
const MAX_REASON_CHARS = 4096;

export const stringAttribute = (value: string): MessageAttributeValue => ({
  DataType: "String",
  StringValue: value,
});

export const numberAttribute = (value: number): MessageAttributeValue => ({
  DataType: "Number",
  StringValue: String(value),
});

/**
 * Text SQS accepts in a message or attribute: #x9 #xA #xD, #x20-#xD7FF, #xE000-#xFFFD and
 * #x10000-#x10FFFF. Anything else (other control characters, lone surrogates) becomes U+FFFD.
 */
export function sqsSafeText(text: string, maxChars = MAX_REASON_CHARS): string {
  const cut = text.length > maxChars ? `${text.slice(0, maxChars)}...` : text;
  return cut.replace(REFUSED_CONTROLS, "\uFFFD").replace(LONE_SURROGATES, "\uFFFD");
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters SQS refuses.
const REFUSED_CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function readString(
  attributes: Record<string, MessageAttributeValue> | undefined,
  name: string,
): string | undefined {
  return attributes?.[name]?.StringValue;
}

export function readNumber(
  attributes: Record<string, MessageAttributeValue> | undefined,
  name: string,
): number | undefined {
  const value = attributes?.[name]?.StringValue;
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

const DEAD_LETTER_ATTRIBUTES = new Set([A_GROUP, A_REASON, A_ATTEMPTS, A_DEAD_AT, A_SOURCE_ID]);
/** SQS takes at most 10 attributes on a message. */
const MAX_ATTRIBUTES = 10;

/**
 * The attributes a received message passes on to its dead letter or replayed copy: none of the
 * dead-letter ones, only the fields SendMessage takes (a receive also answers empty list fields),
 * and no more than leave room for `room` attributes of our own.
 */
export function carriedAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
  room = 0,
): Record<string, MessageAttributeValue> {
  const kept: Record<string, MessageAttributeValue> = {};
  let count = 0;
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (DEAD_LETTER_ATTRIBUTES.has(name) || count >= MAX_ATTRIBUTES - room) continue;
    kept[name] = {
      DataType: value.DataType,
      ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { BinaryValue: value.BinaryValue } : {}),
    };
    count++;
  }
  return kept;
}

/** The dead letter of a received message, as the group's DLQ stores it: its body, and why, when, how often. */
export function deadLetterOf(
  d: {
    raw: { Body?: string; MessageAttributes?: Record<string, MessageAttributeValue> };
    id: string;
    attempt: number;
  },
  group: string,
  reason: string,
): { body: string; attributes: Record<string, MessageAttributeValue> } {
  return {
    body: d.raw.Body ?? "",
    attributes: {
      ...carriedAttributes(d.raw.MessageAttributes, 5),
      [A_GROUP]: stringAttribute(group),
      [A_REASON]: stringAttribute(sqsSafeText(reason || "unknown")),
      [A_ATTEMPTS]: numberAttribute(d.attempt),
      [A_DEAD_AT]: numberAttribute(Date.now()),
      [A_SOURCE_ID]: stringAttribute(d.id),
    },
  };
}
