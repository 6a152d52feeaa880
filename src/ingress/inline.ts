import type { Envelope } from "../envelope/envelope.js";

/** The body Slack reads from the answer to an interaction or a command. */
export interface InlineAnswer {
  /** Null for an empty answer. */
  contentType: string | null;
  body: string;
}

/** An inline answer on its way, and whether the payload is also queued for the worker. */
export interface PendingAnswer {
  /** Resolves by its deadline, with a fallback if it had to; never rejects. */
  answer: Promise<InlineAnswer>;
  /** False for read-only lookups (options as the user types) that no queued route wants. */
  queue: boolean;
}

/**
 * Answers that must come from the process that answers Slack (options menus, modal validation,
 * command replies): the ingress core asks for one per delivery and waits for it beside the publish.
 */
export interface InlineAnswers {
  /** Null when nothing answers this delivery inline (every Events API callback, most interactions). */
  answer(envelope: Envelope): PendingAnswer | null;
}

export const EMPTY_ANSWER: InlineAnswer = { contentType: null, body: "" };
