import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/config/config.js";
import { firstRoute, groupsFromConfig, mountDashboard } from "../../src/dashboard/mount.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { MemoryQueue } from "../../src/queue/backends/memory.js";
import { TOKEN } from "./helpers.js";

const parts = (env: Record<string, string>) => ({
  config: readConfig(env),
  backend: new MemoryQueue(),
  metrics: new Metrics(),
  logger: silentLogger,
  dedup: null,
  mode: "gateway" as const,
});

describe("mounting the dashboard in start and gateway", () => {
  it("stays off (rather than stop the gateway) when bound beyond loopback without a token", async () => {
    expect(mountDashboard(parts({ HOST: "0.0.0.0" }))).toBeNull();
    const mounted = mountDashboard(parts({ HOST: "0.0.0.0", SLACKLINE_DASHBOARD_TOKEN: TOKEN }));
    expect(mounted).not.toBeNull();
    await mounted!.close();
    const local = mountDashboard(parts({}));
    expect(local?.recent.size).toBe(0);
    await local!.close();
  });

  it("shows SLACKLINE_GROUPS when set, else the worker's group", () => {
    expect(groupsFromConfig(readConfig({}))).toEqual(["default"]);
    expect(groupsFromConfig(readConfig({ SLACKLINE_GROUP: "bots" }))).toEqual(["bots"]);
    expect(groupsFromConfig(readConfig({ SLACKLINE_GROUPS: "default,mcp" }), "analytics")).toEqual([
      "analytics",
      "default",
      "mcp",
    ]);
  });

  it("chains extra routes: the first that answers wins, false when none does", async () => {
    const seen: string[] = [];
    const route =
      (name: string, answers: string) => (_req: IncomingMessage, _res: ServerResponse, path: string) => {
        seen.push(name);
        return path === answers;
      };
    expect(firstRoute(undefined, undefined)).toBeUndefined();
    const only = route("a", "/a");
    expect(firstRoute(undefined, only)).toBe(only);
    const both = firstRoute(route("mcp", "/mcp"), route("dash", "/dashboard/"))!;
    const req = {} as IncomingMessage;
    const res = {} as ServerResponse;
    expect(await both(req, res, "/mcp")).toBe(true);
    expect(await both(req, res, "/dashboard/")).toBe(true);
    expect(await both(req, res, "/nope")).toBe(false);
    expect(seen).toEqual(["mcp", "mcp", "dash", "mcp", "dash"]);
  });
});
