import { fail } from "./errors.js";

/** Slack's opaque cursors are base64 of "<prefix>:<key of the next page's first item>". */
export const encodeCursor = (prefix: string, key: string): string =>
  Buffer.from(`${prefix}:${key}`).toString("base64");

/** The key inside a cursor; Slack's invalid_cursor when it is not one of ours. */
export function decodeCursor(cursor: string, prefix: string): string {
  const text = Buffer.from(cursor, "base64").toString("utf8");
  if (!text.startsWith(`${prefix}:`)) fail("invalid_cursor");
  return text.slice(prefix.length + 1);
}

export interface Page<T> {
  items: T[];
  has_more: boolean;
  next_cursor: string;
}

/**
 * One page of `items` (already filtered and ordered) starting at the first item `from` accepts.
 * Keying the cursor on the next item (not an offset) keeps pages stable while messages arrive.
 */
export function pageOf<T>(
  items: T[],
  options: { limit: number; prefix: string; key: (item: T) => string; from?: (item: T) => boolean },
): Page<T> {
  const start = options.from ? items.findIndex(options.from) : 0;
  const rest = start < 0 ? [] : items.slice(start);
  const pageItems = rest.slice(0, options.limit);
  const next = rest[options.limit];
  return {
    items: pageItems,
    has_more: next !== undefined,
    next_cursor: next === undefined ? "" : encodeCursor(options.prefix, options.key(next)),
  };
}

/** Slack clamps limits rather than failing; 0 or less means the method's default. */
export function clampLimit(requested: number, fallback: number, max: number): number {
  if (requested <= 0) return fallback;
  return Math.min(requested, max);
}
