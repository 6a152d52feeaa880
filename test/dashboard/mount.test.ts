import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/config/config.js";
import { groupsFromConfig, mountDashboard } from "../../src/dashboard/mount.js";
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
});
