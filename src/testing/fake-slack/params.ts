import { fail } from "./errors.js";

/**
 * The arguments of one call, from a form body, a JSON body or the query string. Slack's clients
 * send nested values (blocks, metadata) as JSON strings in forms and as objects in JSON bodies.
 */
export class Params {
  constructor(private readonly values: Record<string, unknown>) {}

  /** Everything but the token, for the call log. */
  toJSON(): Record<string, unknown> {
    const { token: _token, ...rest } = this.values;
    return rest;
  }

  has(name: string): boolean {
    const v = this.values[name];
    return v !== undefined && v !== null && v !== "";
  }

  string(name: string): string | undefined {
    const v = this.values[name];
    if (v === undefined || v === null || v === "") return undefined;
    return typeof v === "string" ? v : String(v);
  }

  /** A required argument: Slack answers `missing_argument`... or the method's own code when given. */
  required(name: string, code = "invalid_arguments"): string {
    return this.string(name) ?? fail(code, { argument: name });
  }

  bool(name: string, fallback = false): boolean {
    const v = this.values[name];
    if (v === undefined || v === null || v === "") return fallback;
    return v === true || v === "true" || v === "1" || v === 1;
  }

  int(name: string, fallback: number): number {
    const raw = this.values[name];
    if (raw === undefined || raw === null || raw === "") return fallback;
    const n = typeof raw === "number" ? raw : Number(raw);
    return Number.isFinite(n) ? Math.trunc(n) : fallback;
  }

  /** A structured argument: an object in a JSON body, a JSON string in a form; `code` when it is neither. */
  json(name: string, code: string): unknown {
    const v = this.values[name];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v);
    } catch {
      return fail(code);
    }
  }
}
