import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

/** 127.0.0.0/8, ::1, localhost: addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1" || h === "::ffff:127.0.0.1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

/** The hostname of a Host header or an Origin URL, without port or brackets. */
function hostnameOf(value: string, isOrigin: boolean): string | null {
  try {
    return new URL(isOrigin ? value : `http://${value}`).hostname;
  } catch {
    return null;
  }
}

/** The request names this machine in Host, and in Origin when a browser sends one. */
export function requestFromLoopbackName(req: IncomingMessage): boolean {
  const host = req.headers.host;
  const hostName = host === undefined ? null : hostnameOf(host, false);
  if (hostName === null || !isLoopbackHost(hostName)) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const originName = hostnameOf(origin, true);
  return originName !== null && isLoopbackHost(originName);
}

/**
 * Compares `Authorization: Bearer <token>` with each accepted token in constant time (every token
 * is compared, whichever matches), and says which one matched: the client's identity.
 */
export class BearerCheck {
  private readonly expected: Buffer[];

  constructor(tokens: readonly string[]) {
    this.expected = tokens.map((t) => createHash("sha256").update(t).digest());
  }

  /** The index of the matching token, or -1. */
  match(header: string | undefined): number {
    if (!header?.startsWith("Bearer ")) return -1;
    const given = createHash("sha256").update(header.slice(7).trim()).digest();
    let found = -1;
    this.expected.forEach((e, i) => {
      if (timingSafeEqual(given, e) && found < 0) found = i;
    });
    return found;
  }

  accepts(header: string | undefined): boolean {
    return this.match(header) >= 0;
  }
}
