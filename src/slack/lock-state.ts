import type { LockApi } from "./lock-api.js";

export interface PinInfo {
  /** Who pinned it. */
  by: string;
  /** When, in ms (Slack reports whole seconds). */
  at: number;
}

/** The reactions on a message: emoji name -> users, in the order Slack lists them (the order they reacted). */
export type Reactions = Map<string, string[]>;

/** reactions.get with `full`, so the user lists are not truncated. */
export async function readReactions(api: LockApi, channel: string, ts: string): Promise<Reactions> {
  const answer = await api.must("reactions.get", { channel, timestamp: ts, full: true });
  const message = answer.ok ? (answer.data.message as { reactions?: unknown } | undefined) : undefined;
  const out: Reactions = new Map();
  for (const r of Array.isArray(message?.reactions) ? message.reactions : []) {
    const { name, users } = r as { name?: unknown; users?: unknown };
    if (typeof name === "string" && Array.isArray(users)) {
      out.set(
        name,
        users.filter((u): u is string => typeof u === "string"),
      );
    }
  }
  return out;
}

/** The pin on one message, from pins.list (the only method that says who pinned it and when). */
export async function readPin(api: LockApi, channel: string, ts: string): Promise<PinInfo | null> {
  const answer = await api.must("pins.list", { channel });
  const items = answer.ok && Array.isArray(answer.data.items) ? answer.data.items : [];
  for (const item of items as Record<string, unknown>[]) {
    const message = item.message as { ts?: unknown } | undefined;
    if (message?.ts !== ts) continue;
    const created = typeof item.created === "number" ? item.created : Number(item.created);
    return { by: String(item.created_by ?? ""), at: Number.isFinite(created) ? created * 1000 : 0 };
  }
  return null;
}
