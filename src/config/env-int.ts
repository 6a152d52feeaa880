import { ConfigError } from "./config-error.js";

/** A whole-number setting from the environment: unset or blank gives the fallback, anything else must be an integer >= min. */
export function envInt(value: string | undefined, fallback: number, name: string, min = 0): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new ConfigError(`${name} must be a whole number >= ${min}, got "${value}"; fix or unset it`);
  }
  return n;
}
