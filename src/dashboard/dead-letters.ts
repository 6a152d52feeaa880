import type { Envelope } from "../envelope/envelope.js";
import type { DeadLetter, QueueBackend } from "../queue/types.js";
import type {
  BulkRequest,
  BulkResult,
  DeadLetterDetail,
  DeadLetterFilter,
  DeadLetterPage,
  DeadLetterRow,
} from "./api-types.js";
import { textOf, typeOf } from "./describe.js";
import { redact } from "./redact.js";

export interface DeadLetterIndexOptions {
  /** Dead letters read per backend call (default 1000). */
  pageSize?: number;
  /** Dead letters read at most (default 50,000); past that the page says it is truncated. */
  maxScan?: number;
  /** How long a read of the DLQ is reused by the next requests (default 2000 ms). */
  ttlMs?: number;
  /** Ids per replay or purge call (default 500). */
  batchSize?: number;
}

interface Entry {
  row: DeadLetterRow;
  message: Envelope;
  /** Lower-cased text the filter's `text` searches. */
  haystack: string;
}

interface Scan {
  entries: Entry[];
  truncated: boolean;
  readAt: number;
  types: Array<{ name: string; count: number }>;
  groups: Array<{ name: string; count: number }>;
}

/**
 * Reads the whole DLQ a page at a time with listDeadLetters' `after` cursor. A backend that ignores
 * the cursor (it hands back ids already seen) is read again in one call of `maxScan`.
 */
export async function readAllDeadLetters(
  backend: QueueBackend,
  topic: string,
  pageSize: number,
  maxScan: number,
): Promise<{ letters: DeadLetter[]; truncated: boolean }> {
  const letters: DeadLetter[] = [];
  const seen = new Set<string>();
  let after: string | undefined;
  while (letters.length < maxScan) {
    const limit = Math.min(pageSize, maxScan - letters.length);
    const page = await backend.listDeadLetters(topic, after === undefined ? { limit } : { limit, after });
    if (page.some((d) => seen.has(d.id))) {
      const all = await backend.listDeadLetters(topic, { limit: maxScan + 1 });
      return { letters: all.slice(0, maxScan), truncated: all.length > maxScan };
    }
    for (const d of page) {
      seen.add(d.id);
      letters.push(d);
    }
    if (page.length < limit) return { letters, truncated: false };
    after = page[page.length - 1]!.id;
  }
  // Exactly maxScan read: one more tells whether there is more.
  const more = await backend.listDeadLetters(topic, { limit: 1, after: after! });
  return { letters, truncated: more.length > 0 && !seen.has(more[0]!.id) };
}

function toEntry(d: DeadLetter): Entry {
  const message = d.message;
  const row: DeadLetterRow = {
    id: d.id,
    eventId: typeof message?.id === "string" ? message.id : "",
    kind: typeof message?.kind === "string" ? message.kind : "",
    type: message ? typeOf(message) : "",
    group: d.group,
    attempts: d.attempts,
    reason: d.reason,
    deadAt: d.dead_at,
  };
  const text = message ? textOf(message) : "";
  return {
    row,
    message,
    haystack: `${row.id}\n${row.eventId}\n${row.type}\n${row.reason}\n${text}`.toLowerCase(),
  };
}

const facet = (values: Iterable<string>) => {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count);
};

export function matches(entry: Entry, filter: DeadLetterFilter): boolean {
  const { row } = entry;
  if (filter.type && row.type !== filter.type) return false;
  if (filter.group && row.group !== filter.group) return false;
  if (filter.since !== undefined && row.deadAt < filter.since) return false;
  if (filter.until !== undefined && row.deadAt > filter.until) return false;
  if (filter.text && !entry.haystack.includes(filter.text.toLowerCase())) return false;
  return true;
}

/**
 * The dead letters of one topic for the dashboard: read from the backend (reused for a moment, so a
 * page of 10,000 dead letters is filtered and paged in memory), newest first; replay and purge by
 * ids or by a filter.
 */
export class DeadLetterIndex {
  private readonly pageSize: number;
  private readonly maxScan: number;
  private readonly ttlMs: number;
  private readonly batchSize: number;
  private scan: Scan | null = null;
  private scanning: Promise<Scan> | null = null;

  constructor(
    private readonly backend: QueueBackend,
    private readonly topic: string,
    options: DeadLetterIndexOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 1000;
    this.maxScan = options.maxScan ?? 50_000;
    this.ttlMs = options.ttlMs ?? 2000;
    this.batchSize = options.batchSize ?? 500;
  }

  /** The last read if it is fresh, else a new one (requests at the same moment share it). */
  private async current(fresh = false): Promise<Scan> {
    if (!fresh && this.scan && Date.now() - this.scan.readAt < this.ttlMs) return this.scan;
    if (this.scanning && !fresh) return this.scanning;
    const scanning = this.read();
    this.scanning = scanning;
    try {
      this.scan = await scanning;
      return this.scan;
    } finally {
      if (this.scanning === scanning) this.scanning = null;
    }
  }

  private async read(): Promise<Scan> {
    const { letters, truncated } = await readAllDeadLetters(
      this.backend,
      this.topic,
      this.pageSize,
      this.maxScan,
    );
    const entries = letters.map(toEntry);
    // Newest first; the DLQ's own order breaks ties (and orders those without a time).
    const order = new Map(entries.map((e, i) => [e, i]));
    entries.sort((a, b) => b.row.deadAt - a.row.deadAt || order.get(b)! - order.get(a)!);
    return {
      entries,
      truncated,
      readAt: Date.now(),
      types: facet(entries.map((e) => e.row.type)),
      groups: facet(entries.map((e) => e.row.group ?? "")),
    };
  }

  /** Forget the last read (after a replay or purge from here). */
  invalidate(): void {
    this.scan = null;
  }

  async page(filter: DeadLetterFilter, offset: number, limit: number): Promise<DeadLetterPage> {
    const scan = await this.current();
    const items: DeadLetterRow[] = [];
    let matching = 0;
    for (const entry of scan.entries) {
      if (!matches(entry, filter)) continue;
      if (matching >= offset && items.length < limit) items.push(entry.row);
      matching++;
    }
    return {
      items,
      matching,
      total: scan.entries.length,
      truncated: scan.truncated,
      offset,
      limit,
      types: scan.types,
      groups: scan.groups.filter((g) => g.name !== ""),
      readAt: scan.readAt,
    };
  }

  async detail(id: string): Promise<DeadLetterDetail | null> {
    let entry = (await this.current()).entries.find((e) => e.row.id === id);
    // Died since the last read.
    entry ??= (await this.current(true)).entries.find((e) => e.row.id === id);
    return entry ? { row: entry.row, envelope: redact(entry.message) } : null;
  }

  async byEventId(eventId: string): Promise<DeadLetterRow[]> {
    return (await this.current()).entries.filter((e) => e.row.eventId === eventId).map((e) => e.row);
  }

  replay(request: BulkRequest): Promise<BulkResult> {
    return this.bulk(request, (ids) => this.backend.replayDeadLetters(this.topic, { ids }));
  }

  purge(request: BulkRequest): Promise<BulkResult> {
    return this.bulk(request, (ids) => this.backend.purgeDeadLetters(this.topic, { ids }));
  }

  /**
   * By ids, or by a filter applied to a fresh read (never to a stale page: what is replayed is what
   * matches now). Always by ids, in batches: never the backend's "all", which could take dead letters
   * that arrived after the read.
   */
  private async bulk(request: BulkRequest, act: (ids: string[]) => Promise<number>): Promise<BulkResult> {
    const ids = request.ids
      ? [...new Set(request.ids)]
      : (await this.current(true)).entries
          .filter((e) => matches(e, request.filter ?? {}))
          .map((e) => e.row.id);
    let count = 0;
    try {
      for (let i = 0; i < ids.length; i += this.batchSize)
        count += await act(ids.slice(i, i + this.batchSize));
    } finally {
      this.invalidate();
    }
    return { count, requested: ids.length };
  }
}
