/**
 * A prom-client histogram's buckets as read at one instant: `cumulative[i]` observations were at most
 * `bounds[i]`; the last entry (one more than `bounds`) is the +Inf bucket, the total count.
 */
export interface Buckets {
  readonly bounds: readonly number[];
  readonly cumulative: readonly number[];
}

export const emptyBuckets = (bounds: readonly number[]): Buckets => ({
  bounds,
  cumulative: new Array<number>(bounds.length + 1).fill(0),
});

export const countOf = (b: Buckets): number => b.cumulative[b.cumulative.length - 1] ?? 0;

/** What was observed between two readings of the same histogram (`later - earlier`). */
export function between(earlier: Buckets | undefined, later: Buckets): Buckets {
  if (!earlier || earlier.cumulative.length !== later.cumulative.length) return later;
  return {
    bounds: later.bounds,
    // A counter never goes down; clamp anyway, so a reset shows as nothing rather than negative.
    cumulative: later.cumulative.map((n, i) => Math.max(0, n - (earlier.cumulative[i] ?? 0))),
  };
}

/** The sum of two histograms with the same buckets (one route's outcomes together). */
export function sum(a: Buckets, b: Buckets): Buckets {
  if (a.cumulative.length !== b.cumulative.length) return a;
  return { bounds: a.bounds, cumulative: a.cumulative.map((n, i) => n + (b.cumulative[i] ?? 0)) };
}

/**
 * The q-quantile, interpolated linearly inside its bucket as Prometheus' histogram_quantile does;
 * one that falls in the +Inf bucket is the highest finite bound. Null when nothing was observed.
 */
export function quantile(b: Buckets, q: number): number | null {
  const total = countOf(b);
  if (total === 0) return null;
  const rank = q * total;
  for (let i = 0; i < b.cumulative.length; i++) {
    const upTo = b.cumulative[i]!;
    if (upTo < rank) continue;
    if (i >= b.bounds.length) return b.bounds[b.bounds.length - 1] ?? null;
    const below = i === 0 ? 0 : b.cumulative[i - 1]!;
    const lower = i === 0 ? 0 : b.bounds[i - 1]!;
    const upper = b.bounds[i]!;
    const inBucket = upTo - below;
    return inBucket === 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket;
  }
  return b.bounds[b.bounds.length - 1] ?? null;
}
