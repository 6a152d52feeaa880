const numbers = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const integers = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export const UNKNOWN = "unknown";

export const num = (n: number | null | undefined): string =>
  n === null || n === undefined ? UNKNOWN : numbers.format(n);
export const int = (n: number | null | undefined): string =>
  n === null || n === undefined ? UNKNOWN : integers.format(n);

export function ms(n: number | null | undefined): string {
  if (n === null || n === undefined) return "–";
  if (n < 1) return `${numbers.format(n)} ms`;
  if (n < 1000) return `${integers.format(n)} ms`;
  return duration(n);
}

/** 950 ms, 12 s, 3 min 20 s, 5 h 2 min, 3 d 4 h */
export function duration(msTotal: number): string {
  if (msTotal < 1000) return `${integers.format(msTotal)} ms`;
  const s = Math.floor(msTotal / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

const timeOfDay = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
const dateAndTime = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "medium" });

/** Today's times as a time of day; older ones with their date. */
export function when(epochMs: number): string {
  if (!epochMs) return "–";
  const d = new Date(epochMs);
  return d.toDateString() === new Date().toDateString() ? timeOfDay.format(d) : dateAndTime.format(d);
}

/** A datetime-local input's value as ms since the epoch (local time), or undefined. */
export function fromLocalInput(value: string): number | undefined {
  if (!value) return undefined;
  const t = new Date(value).getTime();
  return Number.isFinite(t) ? t : undefined;
}
