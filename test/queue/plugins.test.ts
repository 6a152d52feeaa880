import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  availableBackends,
  discoverPlugins,
  resolveBackend,
  UnknownBackendError,
} from "../../src/queue/registry.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");
const roots: string[] = [];

/** A project root whose node_modules holds the given fixture packages, under the given names. */
function project(packages: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), "slackline-plugins-"));
  roots.push(root);
  for (const [installAs, fixture] of Object.entries(packages)) {
    const target = join(root, "node_modules", installAs);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(fixtures, fixture), target, { recursive: true });
  }
  return root;
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe("plugin discovery and backend selection", () => {
  it("QUEUE_BACKEND=<plugin name> loads the plugin from node_modules", async () => {
    const root = project({ "slackline-plugin-echo": "plugin-echo" });
    const resolved = await resolveBackend({ QUEUE_BACKEND: "echo" }, root);
    expect(resolved.name).toBe("echo");
    expect(resolved.source).toBe("slackline-plugin-echo");
    const backend = (await resolved.factory.fromEnv({ ECHO: "1" })) as unknown as {
      name: string;
      env: object;
    };
    expect(backend.name).toBe("echo");
    expect(backend.env).toEqual({ ECHO: "1" });
  });

  it("finds scoped packages, symlinked packages (npm link, workspaces) and a factory exported as `backend`", async () => {
    const root = project({ "@acme/slackline-box": "plugin-scoped" });
    const linked = project({ "slackline-plugin-echo": "plugin-echo" });
    symlinkSync(
      join(linked, "node_modules", "slackline-plugin-echo"),
      join(root, "node_modules", "linked-echo"),
      "dir",
    );
    const plugins = await discoverPlugins(root);
    expect(plugins.map((p) => [p.name, p.packageName])).toEqual([
      ["box", "@acme/slackline-box"],
      ["echo", "slackline-plugin-echo"],
    ]);
    const box = await resolveBackend({ QUEUE_BACKEND: "box" }, root);
    expect(box.source).toBe("@acme/slackline-box");
    expect(((await box.factory.fromEnv({})) as unknown as { name: string }).name).toBe("box");
  });

  it("QUEUE_BACKEND unset: exactly one installed plugin is used", async () => {
    const root = project({ "slackline-plugin-echo": "plugin-echo" });
    const resolved = await resolveBackend({}, root);
    expect(resolved.name).toBe("echo");
    expect(resolved.source).toBe("slackline-plugin-echo");
    expect((await resolveBackend({ QUEUE_BACKEND: "  " }, root)).name).toBe("echo");
  });

  it("QUEUE_BACKEND unset: no plugin, or several, means the built-in SQLite backend", async () => {
    const none = await resolveBackend({}, project());
    expect([none.name, none.source]).toEqual(["sqlite", "built-in"]);
    const two = await resolveBackend(
      {},
      project({ "slackline-plugin-echo": "plugin-echo", "@acme/slackline-box": "plugin-scoped" }),
    );
    expect([two.name, two.source]).toEqual(["sqlite", "built-in"]);
    const noModulesDir = await resolveBackend({}, join(tmpdir(), "slackline-no-such-dir"));
    expect(noModulesDir.name).toBe("sqlite");
  });

  it("an unknown name rejects with UnknownBackendError listing built-ins and plugins", async () => {
    const root = project({ "slackline-plugin-echo": "plugin-echo" });
    const error = await resolveBackend({ QUEUE_BACKEND: "nope" }, root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownBackendError);
    const message = (error as Error).message;
    expect(message).toContain('unknown QUEUE_BACKEND "nope"');
    for (const name of ["sqlite", "memory", "redis", "nats", "rabbitmq", "slack"])
      expect(message).toContain(`${name} (`);
    expect(message).toContain("echo (plugin slackline-plugin-echo)");
  });

  it("built-in names resolve to the built-ins", async () => {
    const redis = await resolveBackend({ QUEUE_BACKEND: "redis" }, project());
    expect([redis.name, redis.source, redis.factory.name]).toEqual(["redis", "built-in", "redis"]);
  });

  it("ignores packages that are not plugins: no slackline key, bad JSON or manifest, no package.json, stray files", async () => {
    const root = project({ "slackline-plugin-echo": "plugin-echo" });
    const modules = join(root, "node_modules");
    mkdirSync(join(modules, "plain"));
    writeFileSync(
      join(modules, "plain", "package.json"),
      JSON.stringify({ name: "plain", version: "1.0.0" }),
    );
    mkdirSync(join(modules, "garbled"));
    writeFileSync(join(modules, "garbled", "package.json"), '{ "slackline": ');
    mkdirSync(join(modules, "odd"));
    writeFileSync(
      join(modules, "odd", "package.json"),
      JSON.stringify({ name: "odd", slackline: { backends: "x" } }),
    );
    mkdirSync(join(modules, "odder"));
    writeFileSync(
      join(modules, "odder", "package.json"),
      JSON.stringify({ name: "odder", slackline: { backends: { y: 1 } } }),
    );
    mkdirSync(join(modules, "empty"));
    mkdirSync(join(modules, ".bin"));
    writeFileSync(join(modules, ".package-lock.json"), "{}");
    mkdirSync(join(modules, "@scope-with-a-file"));
    writeFileSync(join(modules, "@scope-with-a-file", "README"), "");
    expect((await discoverPlugins(root)).map((p) => p.name)).toEqual(["echo"]);
    expect((await resolveBackend({}, root)).name).toBe("echo");
  });

  it("a plugin that exports no factory fails with a message naming the package", async () => {
    const root = project({ "slackline-plugin-broken": "plugin-broken" });
    await expect(resolveBackend({ QUEUE_BACKEND: "broken" }, root)).rejects.toThrow(
      /slackline-plugin-broken.*fromEnv/,
    );
  });

  it("a plugin cannot take a built-in's name: the built-in wins and the plugin is listed as ignored", async () => {
    const root = project({ "slackline-plugin-shadow": "plugin-shadow" });
    const resolved = await resolveBackend({ QUEUE_BACKEND: "memory" }, root);
    expect(resolved.source).toBe("built-in");
    // Nor is it picked as "the one installed plugin": that would silently mean the built-in.
    expect((await resolveBackend({}, root)).name).toBe("sqlite");
    expect(availableBackends(await discoverPlugins(root)).join("\n")).toContain(
      "memory (plugin slackline-plugin-shadow, ignored: the name belongs to a built-in)",
    );
  });

  it("two plugins offering one name is an error naming both packages, never a silent pick", async () => {
    const root = project({
      "slackline-plugin-echo": "plugin-echo",
      "slackline-plugin-echo-twin": "plugin-echo-twin",
    });
    await expect(resolveBackend({ QUEUE_BACKEND: "echo" }, root)).rejects.toThrow(
      /slackline-plugin-echo.*slackline-plugin-echo-twin|slackline-plugin-echo-twin.*slackline-plugin-echo/,
    );
  });

  it("a plugin module outside its package is refused", async () => {
    const root = project({ "slackline-plugin-echo": "plugin-echo" });
    const pkg = join(root, "node_modules", "evil");
    mkdirSync(pkg);
    writeFileSync(
      join(pkg, "package.json"),
      JSON.stringify({
        name: "evil",
        slackline: { backends: { evil: "../slackline-plugin-echo/index.js" } },
      }),
    );
    await expect(resolveBackend({ QUEUE_BACKEND: "evil" }, root)).rejects.toThrow(/outside/);
  });
});
