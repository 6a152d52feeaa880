import { loadavg } from "node:os";

/** One line of a scenario's table. */
export interface Row {
  scenario: string;
  backend: string;
  requests: number;
  statuses: string;
  acked: number;
  handled: number;
  lost: number;
  doubled: number;
  peakRssMb: number;
  /**
   * A documented window that allows what this run may lose or double (README, "Reliability"):
   * "no-persistence" (a Redis restart without AOF loses its data), "marker" (a handler that finished
   * just before its marker was written runs again). Null: nothing may be lost or doubled.
   */
  window: "no-persistence" | "marker" | null;
  /** What the scenario measured beyond the columns (recovery time, latencies), and broken expectations. */
  notes: string[];
  /** Expectations of the scenario that did not hold (each also in notes). */
  failures: string[];
}

export function row(partial: Omit<Row, "notes" | "failures" | "window"> & Partial<Row>): Row {
  return { window: null, notes: [], failures: [], ...partial };
}

/** What a run sent (a Ledger) and what settle() counted of it, as a row. */
export function ledgerRow(
  scenario: string,
  backend: string,
  ledger: { readonly requests: number; statusText(): string; readonly acked: ReadonlySet<string> },
  counted: { readonly handled: number; readonly lost: number; readonly doubled: number },
  peakRssMb: number,
  extra: Partial<Row> = {},
): Row {
  const { handled, lost, doubled } = counted;
  return row({
    scenario,
    backend,
    requests: ledger.requests,
    statuses: ledger.statusText(),
    acked: ledger.acked.size,
    handled,
    lost,
    doubled,
    peakRssMb,
    ...extra,
  });
}

/** Records an expectation: a note when it holds, a failure when it does not. */
export function expectThat(r: Row, ok: boolean, what: string): void {
  if (ok) r.notes.push(what);
  else {
    r.notes.push(`FAILED: ${what}`);
    r.failures.push(what);
  }
}

/** Nothing acked is lost, and nothing doubled, outside the row's documented window. */
export function verdict(r: Row): "ok" | "ok (window)" | "FAIL" {
  const lossAllowed = r.window === "no-persistence";
  const doubleAllowed = r.window !== null;
  if (r.failures.length > 0) return "FAIL";
  if (r.lost > 0 && !lossAllowed) return "FAIL";
  if (r.doubled > 0 && !doubleAllowed) return "FAIL";
  return (r.lost > 0 || r.doubled > 0) && r.window ? "ok (window)" : "ok";
}

const HEAD = [
  "scenario",
  "backend",
  "requests",
  "statuses",
  "acked",
  "handled",
  "lost",
  "doubled",
  "peak RSS MB",
  "result",
] as const;

function cells(r: Row): string[] {
  return [
    r.scenario,
    r.backend,
    String(r.requests),
    r.statuses,
    String(r.acked),
    String(r.handled),
    String(r.lost),
    String(r.doubled),
    r.peakRssMb.toFixed(0),
    verdict(r),
  ];
}

/** A Markdown table (readable in a terminal, and pasted as is into the README). */
export function table(rows: readonly Row[]): string {
  const lines = [HEAD as readonly string[], ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const fmt = (l: readonly string[]) => `| ${l.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [
    fmt(lines[0]!),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...lines.slice(1).map(fmt),
  ].join("\n");
}

export function notes(rows: readonly Row[]): string {
  return rows
    .filter((r) => r.notes.length > 0)
    .map((r) => `- ${r.scenario} (${r.backend}): ${r.notes.join("; ")}`)
    .join("\n");
}

export const load = (): string =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
