import { readFileSync } from "node:fs";
import { ConfigError } from "../../config/config-error.js";
import type { Env } from "../../config/env.js";
import { envInt } from "../../config/env-int.js";

/** What one HTTP listener allows a connection; every Slackline listener has them. */
export interface ConnectionLimits {
  /** A request's headers must be in within this of its connection (or of its previous request). */
  headersTimeoutMs: number;
  /** A whole request (headers and body) must be in within this. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (above a load balancer's usual 60 s). */
  keepAliveTimeoutMs: number;
  /** Connections open at once; past it new ones are refused (0: no limit). */
  maxConnections: number;
}

/**
 * Sized for Slack: its requests are small and arrive whole within milliseconds, and it gives up on an
 * answer after 3 s. Node's defaults (60 s for headers, 300 s for a request, checked every 30 s) let a
 * few thousand silent connections hold every file descriptor for over a minute.
 */
export const DEFAULT_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 1000,
};

/** HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS, HTTP_KEEP_ALIVE_TIMEOUT_MS, HTTP_MAX_CONNECTIONS. */
export function limitsFromEnv(env: Env): ConnectionLimits {
  const limits: ConnectionLimits = {
    headersTimeoutMs: envInt(
      env.HTTP_HEADERS_TIMEOUT_MS,
      DEFAULT_LIMITS.headersTimeoutMs,
      "HTTP_HEADERS_TIMEOUT_MS",
      1,
    ),
    requestTimeoutMs: envInt(
      env.HTTP_REQUEST_TIMEOUT_MS,
      DEFAULT_LIMITS.requestTimeoutMs,
      "HTTP_REQUEST_TIMEOUT_MS",
      1,
    ),
    keepAliveTimeoutMs: envInt(
      env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      DEFAULT_LIMITS.keepAliveTimeoutMs,
      "HTTP_KEEP_ALIVE_TIMEOUT_MS",
      1,
    ),
    maxConnections: envInt(env.HTTP_MAX_CONNECTIONS, DEFAULT_LIMITS.maxConnections, "HTTP_MAX_CONNECTIONS"),
  };
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new ConfigError(
      `HTTP_HEADERS_TIMEOUT_MS (${limits.headersTimeoutMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs})`,
    );
  }
  return limits;
}

/** File descriptors kept for everything but client connections (the queue, brokers, logs, DNS). */
export const RESERVED_DESCRIPTORS = 128;

/** This process's soft limit on open files (Linux: /proc/self/limits), or null when unknown. */
export function openFileLimit(): number | null {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const soft = line?.split(/\s{2,}/)[1];
    const n = Number(soft);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/**
 * The connection limit this process can keep: past the open-file limit, accept() fails with EMFILE
 * and Node closes every new connection, Slack's among them, so the limit stays below it.
 */
export function affordableMaxConnections(
  wanted: number,
  fileLimit: number | null,
): { max: number; lowered: boolean } {
  if (fileLimit === null) return { max: wanted, lowered: false };
  const affordable = Math.max(1, fileLimit - RESERVED_DESCRIPTORS);
  if (wanted === 0 || wanted > affordable) return { max: affordable, lowered: true };
  return { max: wanted, lowered: false };
}
