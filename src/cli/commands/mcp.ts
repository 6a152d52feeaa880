import { ConfigError } from "../../config/config-error.js";
import { parsePort } from "../../config/port.js";
import { commandContext, onShutdownSignal } from "../context.js";
import { listening } from "../errors.js";
import { openBackend } from "../runtime.js";

export interface McpFlags {
  transport?: string;
  port?: string;
  host?: string;
  readOnly?: boolean;
}

/** `slackline mcp [--transport stdio|http]`: Slack tools and the event inbox for agents. */
export async function mcp(flags: McpFlags): Promise<void> {
  const transport = flags.transport ?? "stdio";
  if (transport !== "stdio" && transport !== "http")
    throw new ConfigError(`--transport must be stdio or http (got ${transport})`);
  // In stdio mode stdout is the protocol: every log line goes to stderr.
  const { config, logger } = commandContext({}, { logTo: transport === "stdio" ? "stderr" : "stdout" });
  const backend = await openBackend(config, logger);
  const { mcpCommand } = await import("../../mcp/cli.js");
  const starting = mcpCommand({
    transport,
    ...(flags.port !== undefined ? { port: parsePort(flags.port, null, "--port") } : {}),
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    // --read-only is SLACKLINE_MCP_READ_ONLY=1: no write tool is listed.
    env: flags.readOnly ? { ...config.env, SLACKLINE_MCP_READ_ONLY: "1" } : config.env,
    backend,
    logger,
  });
  const running = await listening(starting, "--port or SLACKLINE_MCP_PORT");
  const shutdown = async () => {
    await running.close();
    await backend.close();
  };
  onShutdownSignal(logger, shutdown);
  // A stdio client that closes stdin ends the session: exit cleanly.
  void running.closed.then(async () => {
    await shutdown();
    logger.flush();
    process.exit(0);
  });
}
