import { ConfigError } from "./config-error.js";

export const MAX_PORT = 65_535;

/**
 * A TCP port from a setting: unset or blank gives the fallback (null: a value is required, as for a
 * flag); anything else must be a whole number from 0 (a free port) to 65535. `name` is where it came
 * from (`--port`, `PORT`), so the error names what to fix.
 */
export function parsePort(value: string | undefined, fallback: number | null, name: string): number {
  if ((value === undefined || value.trim() === "") && fallback !== null) return fallback;
  const n = value === undefined || value.trim() === "" ? Number.NaN : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > MAX_PORT) {
    throw new ConfigError(
      `${name} must be a port number from 0 to ${MAX_PORT} (0 picks a free one), got "${value}"`,
    );
  }
  return n;
}
