import { loadavg } from "node:os";

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The q-quantile (0..1) of ascending `sorted`; NaN when it is empty. */
export const quantile = (sorted: ArrayLike<number>, q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/** A number right-aligned in `width` columns; "" for NaN (a column that does not apply). */
export const fmt = (n: number, digits = 0, width = 8): string =>
  (Number.isFinite(n) ? n.toFixed(digits) : "").padStart(width);

/** "low-high" of the rounds, rounded; "" for a single round. */
export const range = (xs: readonly number[], digits = 0): string =>
  xs.length > 1 ? `${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}` : "";

/** The 1, 5 and 15 minute load averages, as `uptime` prints them. */
export const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");

/** A table: the header row, then each row, columns padded to their widest cell; numbers right-aligned. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}
