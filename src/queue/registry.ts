import { readdir, readFile } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../config/config-error.js";
import type { Env } from "../config/env.js";
import { SlacklineError } from "../errors.js";
import { memoryInfo } from "./backends/memory/about.js";
import { natsInfo } from "./backends/nats/about.js";
import { rabbitmqInfo } from "./backends/rabbitmq/about.js";
import { redisInfo } from "./backends/redis/about.js";
import { slackInfo } from "./backends/slack/about.js";
import { sqliteInfo } from "./backends/sqlite/about.js";
import { sqsInfo } from "./backends/sqs/about.js";
import type { BackendInfo, QueueBackendFactory } from "./types.js";

/**
 * Built-in backends: what each says of itself (a small module, no client library), and how to load
 * it on demand, so a deployment on SQLite never loads a Redis client.
 */
const BUILT_INS: Record<string, { info: BackendInfo; load: () => Promise<QueueBackendFactory> }> = {
  sqlite: { info: sqliteInfo, load: async () => (await import("./backends/sqlite.js")).sqliteBackend },
  memory: { info: memoryInfo, load: async () => (await import("./backends/memory.js")).memoryBackend },
  redis: { info: redisInfo, load: async () => (await import("./backends/redis.js")).redisBackend },
  nats: { info: natsInfo, load: async () => (await import("./backends/nats.js")).natsBackend },
  rabbitmq: {
    info: rabbitmqInfo,
    load: async () => (await import("./backends/rabbitmq.js")).rabbitmqBackend,
  },
  slack: { info: slackInfo, load: async () => (await import("./backends/slack.js")).slackBackend },
  sqs: { info: sqsInfo, load: async () => (await import("./backends/sqs.js")).sqsBackend },
};

/** What a built-in backend says of itself, or undefined for a plugin's name. */
export function builtInInfo(name: string): BackendInfo | undefined {
  return isBuiltIn(name) ? BUILT_INS[name]!.info : undefined;
}

export const DEFAULT_BACKEND = "sqlite";

export interface PluginBackend {
  name: string;
  packageName: string;
  /** Absolute path of the package's directory. */
  packageDir: string;
  /** Absolute path of the module that exports the factory. */
  modulePath: string;
}

/** The `slackline` key of a plugin's package.json. */
interface PluginManifest {
  slackline?: { backends?: Record<string, string> };
}

/**
 * Finds installed plugins: packages under `<root>/node_modules` (scoped ones too) whose package.json
 * has `"slackline": {"backends": {"<name>": "<module>"}}`.
 */
export async function discoverPlugins(root: string = process.cwd()): Promise<PluginBackend[]> {
  const modules = join(root, "node_modules");
  const found: PluginBackend[] = [];
  const packageDirs: string[] = [];
  for (const entry of await readdir(modules, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
    if (entry.name.startsWith(".")) continue;
    if (entry.name.startsWith("@")) {
      for (const scoped of await readdir(join(modules, entry.name)).catch(() => [])) {
        packageDirs.push(join(modules, entry.name, scoped));
      }
    } else {
      packageDirs.push(join(modules, entry.name));
    }
  }
  await Promise.all(
    packageDirs.map(async (dir) => {
      const text = await readFile(join(dir, "package.json"), "utf8").catch(() => null);
      if (!text?.includes('"slackline"')) return;
      let manifest: PluginManifest & { name?: string };
      try {
        manifest = JSON.parse(text);
      } catch {
        return;
      }
      const backends = manifest?.slackline?.backends;
      if (!backends || typeof backends !== "object" || Array.isArray(backends)) return;
      for (const [name, module] of Object.entries(backends)) {
        if (typeof module !== "string") continue;
        found.push({
          name,
          packageName: manifest.name ?? dir,
          packageDir: resolve(dir),
          modulePath: resolve(dir, module),
        });
      }
    }),
  );
  // Sorted by name, then package: the order never depends on which package.json was read first.
  return found.sort((a, b) => a.name.localeCompare(b.name) || a.packageName.localeCompare(b.packageName));
}

export class UnknownBackendError extends SlacklineError {
  constructor(name: string, available: string[]) {
    super("SLACKLINE_UNKNOWN_BACKEND", `unknown QUEUE_BACKEND "${name}"; available: ${available.join(", ")}`);
  }
}

async function loadPlugin(plugin: PluginBackend): Promise<QueueBackendFactory> {
  const rel = relative(plugin.packageDir, plugin.modulePath);
  if (rel.startsWith("..") || isAbsolute(rel)) {
    throw new ConfigError(
      `plugin ${plugin.packageName} names a module outside its package (${plugin.modulePath}); refused`,
    );
  }
  const module = (await import(pathToFileURL(plugin.modulePath).href)) as Record<string, unknown>;
  const candidate = (module.default ?? module.backend ?? module.factory) as QueueBackendFactory | undefined;
  if (!candidate || typeof candidate.fromEnv !== "function") {
    throw new ConfigError(
      `plugin ${plugin.packageName} (${plugin.modulePath}) does not export a factory with fromEnv(env) as its default export`,
    );
  }
  return candidate;
}

export interface ResolvedBackend {
  name: string;
  factory: QueueBackendFactory;
  /** "built-in" or the plugin package's name. */
  source: string;
}

/**
 * QUEUE_BACKEND names a built-in or a discovered plugin; an unknown name is an error listing what is
 * available (never a silent fallback). Unset: a single installed plugin is used, else SQLite.
 * Built-in names are reserved; a name offered by two plugins is an error, not a pick.
 */
export async function resolveBackend(env: Env, root: string = process.cwd()): Promise<ResolvedBackend> {
  const plugins = await discoverPlugins(root);
  // A plugin cannot take a built-in's name: a dependency must not silently replace a built-in.
  const usable = plugins.filter((p) => !isBuiltIn(p.name));
  const wanted = env.QUEUE_BACKEND?.trim();
  const pick = async (name: string): Promise<ResolvedBackend> => {
    const builtIn = isBuiltIn(name) ? BUILT_INS[name] : undefined;
    if (builtIn) return { name, factory: await builtIn.load(), source: "built-in" };
    const candidates = usable.filter((p) => p.name === name);
    if (candidates.length > 1) {
      throw new ConfigError(
        `QUEUE_BACKEND "${name}" is offered by several plugins (${candidates.map((p) => p.packageName).join(", ")}); uninstall all but one`,
      );
    }
    const plugin = candidates[0];
    if (plugin) return { name, factory: await loadPlugin(plugin), source: plugin.packageName };
    throw new UnknownBackendError(name, availableBackends(plugins));
  };
  if (wanted) return pick(wanted);
  if (usable.length === 1) return pick(usable[0]!.name);
  return pick(DEFAULT_BACKEND);
}

const isBuiltIn = (name: string): boolean => Object.hasOwn(BUILT_INS, name);

export function availableBackends(plugins: PluginBackend[] = []): string[] {
  return [
    ...Object.values(BUILT_INS).map(({ info }) => `${info.name} (${info.description})`),
    ...plugins.map((p) =>
      isBuiltIn(p.name)
        ? `${p.name} (plugin ${p.packageName}, ignored: the name belongs to a built-in)`
        : `${p.name} (plugin ${p.packageName})`,
    ),
  ];
}
