import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { failed } from "./results.js";

/**
 * Which conversations write tools may touch (SLACKLINE_MCP_WRITE_CHANNELS); null allows every one.
 * A DM is allowed by its D… id or by the user id (U…) it is with.
 */
export class WritePolicy {
  constructor(private readonly allowed: ReadonlySet<string> | null) {}

  /** Null when allowed; an isError result naming `channel_not_allowed` otherwise. */
  check(channel: string, alsoAllowedBy: readonly string[] = []): CallToolResult | null {
    if (this.allowed === null || this.allowed.has(channel)) return null;
    if (alsoAllowedBy.length > 0 && alsoAllowedBy.every((id) => this.allowed!.has(id))) return null;
    return failed(
      "channel_not_allowed",
      `Writing to ${channel} is not allowed: this server may only write to ${[...this.allowed].join(", ")}.`,
      { channel },
    );
  }
}
