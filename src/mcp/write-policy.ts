import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { failed } from "./results.js";

/** Which channels write tools may touch (SLACKLINE_MCP_WRITE_CHANNELS); null allows every channel. */
export class WritePolicy {
  constructor(private readonly allowed: ReadonlySet<string> | null) {}

  /** Null when allowed; an isError result naming `channel_not_allowed` otherwise. */
  check(channel: string): CallToolResult | null {
    if (this.allowed === null || this.allowed.has(channel)) return null;
    return failed(
      "channel_not_allowed",
      `Writing to ${channel} is not allowed: this server may only write to ${[...this.allowed].join(", ")}.`,
      { channel },
    );
  }
}
