import { isIP } from "node:net";
import { hostname as osHostname } from "node:os";

/** The hostname of a Host header (`name`, `name:port`, `[v6]:port`), lower-cased, or null if malformed. */
export function hostnameOf(host: string | undefined): string | null {
  if (!host) return null;
  try {
    const name = new URL(`http://${host}`).hostname.toLowerCase();
    return name.startsWith("[") ? name.slice(1, -1) : name;
  } catch {
    return null;
  }
}

/**
 * DNS-rebinding protection: a page on an attacker's domain whose name was made to resolve to this
 * machine sends its own name in Host, so only names known to be ours are answered. IP literals are
 * always fine (a rebinding needs a name), and so are `localhost` and `*.localhost` (browsers resolve
 * them to loopback themselves), this machine's hostname, and whatever the operator lists
 * (SLACKLINE_DASHBOARD_HOSTS: the names a proxy or DNS gives the dashboard; `.example.com` allows
 * every subdomain).
 */
export class HostCheck {
  private readonly exact = new Set<string>();
  private readonly suffixes: string[] = [];

  constructor(allowed: readonly string[] = [], machineName: string = osHostname()) {
    for (const name of [...allowed, machineName, "localhost"]) {
      const n = name.trim().toLowerCase();
      if (!n) continue;
      if (n.startsWith(".")) this.suffixes.push(n);
      else this.exact.add(n);
    }
    this.suffixes.push(".localhost");
  }

  allows(hostHeader: string | undefined): boolean {
    const name = hostnameOf(hostHeader);
    if (name === null) return false;
    if (isIP(name) !== 0 || this.exact.has(name)) return true;
    return this.suffixes.some((suffix) => name.endsWith(suffix) || name === suffix.slice(1));
  }
}

/** Names from a comma-separated list (SLACKLINE_DASHBOARD_HOSTS). */
export const hostList = (value: string | undefined): string[] =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
