/** Slack message timestamps: "<seconds>.<microseconds>", unique per channel, used as message ids. */

const TS = /^\d{1,12}\.\d{1,6}$/;

export const isTs = (value: string): boolean => TS.test(value);

/** Microseconds since the epoch; exact in a double for any realistic date. */
export function tsMicros(ts: string): number {
  const [sec = "0", frac = "0"] = ts.split(".");
  return Number(sec) * 1_000_000 + Number(frac.padEnd(6, "0"));
}

export const compareTs = (a: string, b: string): number => tsMicros(a) - tsMicros(b);

export function formatTs(micros: number): string {
  const sec = Math.floor(micros / 1_000_000);
  return `${sec}.${String(micros % 1_000_000).padStart(6, "0")}`;
}

/** Hands out "now" as a ts, strictly increasing even within one millisecond. */
export class TsClock {
  private last = 0;

  next(): string {
    this.last = Math.max(Date.now() * 1000, this.last + 1);
    return formatTs(this.last);
  }

  /** Keeps later generated ts after a seeded one. */
  observe(ts: string): void {
    this.last = Math.max(this.last, tsMicros(ts));
  }
}
