import type { Lookup, SettledView } from "../../dashboard/api-types.js";

export interface WaitOptions {
  /** The ingress's origin (`http://127.0.0.1:3000`): the dashboard's API is on the same port. */
  origin: string;
  id: string;
  timeoutMs: number;
  /** SLACKLINE_DASHBOARD_TOKEN, when the dashboard asks for one. */
  token?: string | undefined;
  print: (line: string) => void;
  /** The request was a duplicate: what is shown is the original's outcome. */
  duplicate?: boolean;
  pollMs?: number;
}

const FINAL = new Set<SettledView["result"]>(["acked", "skipped_processed", "dead_lettered"]);

/** Route names as a list, a route with several handlers once: "app_mention x2, message.im". */
function routeList(routes: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const r of routes) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => (n > 1 ? `${r} x${n}` : r)).join(", ");
}

/** A worker settlement as a line, with what to do about it when something is wrong. */
export function describeSettlement(s: SettledView, type: string): string {
  const where = `group ${s.group}, attempt ${s.attempt}`;
  switch (s.result) {
    case "acked":
      return s.routes.length > 0
        ? `handled by ${routeList(s.routes)} (${where})`
        : `no route matched ${type}: nothing ran (${where}); add router.on("${type}", ...) or router.onUnknown(...)`;
    case "skipped_processed":
      return `already handled before: nothing ran again (${where})`;
    case "retried":
      return `failed (${where}): ${s.error ?? "unknown error"}; will retry`;
    case "dead_lettered":
      return `dead-lettered (${where}): ${s.error ?? "unknown error"}; see slackline dlq list`;
  }
}

class WaitError extends Error {}

async function lookup(options: WaitOptions): Promise<Lookup> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const url = `${options.origin}/dashboard/api/lookup?id=${encodeURIComponent(options.id)}`;
  const res = await fetch(url, { headers });
  if (res.ok) return (await res.json()) as Lookup;
  const text = (await res.text()).trim();
  if (res.status === 404)
    throw new WaitError(
      "--wait reads the worker's outcome from the dashboard's API on the same port: start slackline without --no-dashboard",
    );
  if (res.status === 401)
    throw new WaitError(
      "the dashboard asks for a token: set SLACKLINE_DASHBOARD_TOKEN for `slackline send --wait` too",
    );
  throw new WaitError(`the dashboard answered ${res.status}: ${text}`);
}

/**
 * Waits until the worker settled the delivery for good (handled, already handled, dead-lettered) in
 * every group that took it, printing each settlement as it comes (a failure that will be retried
 * too). It reads the recent-events store through the dashboard's lookup endpoint, so it sees the
 * workers of the process that received the event. Resolves with the exit code.
 */
export async function waitForOutcome(options: WaitOptions): Promise<number> {
  const deadline = Date.now() + options.timeoutMs;
  let printed = 0;
  const prefix = options.duplicate ? "  the original: " : "  ";
  try {
    for (;;) {
      const { recent, deadLetters } = await lookup(options);
      const history = recent?.history ?? [];
      for (; printed < history.length; printed++)
        options.print(`${prefix}${describeSettlement(history[printed]!, recent!.type)}`);
      const groups = recent?.groups ?? [];
      if (options.duplicate && recent === null) {
        // Deduplicated against an event this process never saw settled (before a restart, or in
        // another process): its outcome is not here to wait for.
        options.print(
          deadLetters.length > 0
            ? `${prefix}dead-lettered (${deadLetters[0]!.reason}); see slackline dlq list`
            : `${prefix}received before this process started or by another one: its outcome is not known here (--fresh sends it as a new event)`,
        );
        return deadLetters.length > 0 ? 1 : 0;
      }
      if (groups.length > 0 && groups.every((g) => FINAL.has(g.result)))
        return groups.some((g) => g.result === "dead_lettered") ? 1 : 0;
      if (Date.now() > deadline) {
        options.print(
          `${prefix}no final outcome within ${Math.round(options.timeoutMs / 1000)} s${groups.length === 0 ? " (no worker of that process settled it: --wait sees the workers of the process that received the event, as in slackline start, not a separate slackline worker)" : ""}`,
        );
        return 1;
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
    }
  } catch (err) {
    const text =
      err instanceof WaitError ? err.message : `could not read the outcome: ${(err as Error).message}`;
    options.print(`  ${text}`);
    return 1;
  }
}
