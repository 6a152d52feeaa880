import { ConfigError } from "../config/config-error.js";
import { errorMessage } from "../errors.js";

interface SystemError extends Error {
  code?: string;
  port?: number;
  address?: string;
}

const asSystemError = (err: unknown): SystemError | null =>
  err instanceof Error && typeof (err as SystemError).code === "string" ? (err as SystemError) : null;

/**
 * A listen() failure as a start-up error that names the fix: the port and address, and the setting
 * that chose them (`setting`, e.g. "--port or PORT"); null for any other error.
 */
export function listenFailure(err: unknown, setting?: string): ConfigError | null {
  const e = asSystemError(err);
  if (!e) return null;
  const where = `${e.address ?? "this address"}:${e.port ?? "?"}`;
  const choose = setting ? `choose another with ${setting} (0 picks a free one)` : "choose another port";
  switch (e.code) {
    case "EADDRINUSE":
      return new ConfigError(
        `port ${e.port} is already in use on ${e.address ?? "this host"} (another slackline, or another program): stop it, or ${choose}`,
        { cause: err },
      );
    case "EACCES":
      return new ConfigError(
        `not allowed to listen on ${where} (ports below 1024 need privileges): ${choose}`,
        { cause: err },
      );
    case "EADDRNOTAVAIL":
      return new ConfigError(
        `${e.address ?? "the address"} is not an address of this machine: fix --host or HOST (127.0.0.1 for this machine only, 0.0.0.0 for every interface)`,
        { cause: err },
      );
    default:
      return null;
  }
}

/** Awaits a server's start, turning a port it cannot take into an error that names `setting`. */
export async function listening<T>(starting: Promise<T>, setting: string): Promise<T> {
  try {
    return await starting;
  } catch (err) {
    throw listenFailure(err, setting) ?? err;
  }
}

/** The one line `slackline` prints for an error that ends a command. */
export function describeCliError(err: unknown): string {
  const listen = listenFailure(err);
  if (listen) return listen.message;
  return errorMessage(err);
}
