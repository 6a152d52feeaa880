export { type McpCommandHandle, type McpCommandOptions, mcpCommand } from "./cli.js";
export { type McpConfig, mcpConfigFromEnv } from "./config.js";
export { createMcpHttpHandler, type McpHttpHandler, type McpHttpHandlerOptions } from "./http.js";
export type { EventFilter, InboxEvent } from "./inbox/event.js";
export { EventInbox, type EventInboxOptions } from "./inbox/inbox.js";
export { createMcpRuntime, type McpRuntime, type McpRuntimeOptions } from "./runtime.js";
export { createMcpServer } from "./server.js";
