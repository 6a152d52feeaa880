import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Env, QueueBackendFactory } from "./types.js";

/** Built-in backends, loaded on demand so a deployment on SQLite never loads a Redis client. */
const BUILT_INS: Record<string, { description: string; load: () => Promise<QueueBackendFactory> }> = {
  sqlite: {
    description: "embedded SQLite file, durable, one host (default)",
    load: async () => (await import("./backends/sqlite.js")).sqliteBackend,
  },
  memory: {
    description: "in-process, NOT durable (tests and development)",
    load: async () => (await import("./backends/memory.js")).memoryBackend,
  },
  redis: {
    description: "Redis Streams (REDIS_URL)",
    load: async () => (await import("./backends/redis.js")).redisBackend,
  },
  nats: {
    description: "NATS JetStream (NATS_URL)",
    load: async () => (await import("./backends/nats.js")).natsBackend,
  },
  rabbitmq: {
    description: "RabbitMQ quorum queues (AMQP_URL)",
    load: async () => (await import("./backends/rabbitmq.js")).rabbitmqBackend,
  },
  slack: {
    description: "a Slack channel as the queue, Slack as the lock (SLACKMQ_CHANNEL)",
    load: async () => (await import("./backends/slack.js")).slackBackend,
  },
};

export const DEFAULT_BACKEND = "sqlite";

export interface PluginBackend {
  name: string;
  packageName: string;
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
      if (!text || !text.includes('"slackline"')) return;
      let manifest: PluginManifest & { name?: string };
      try {
        manifest = JSON.parse(text);
      } catch {
        return;
      }
      for (const [name, module] of Object.entries(manifest.slackline?.backends ?? {})) {
        found.push({ name, packageName: manifest.name ?? dir, modulePath: resolve(dir, module) });
      }
    }),
  );
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

export class UnknownBackendError extends Error {
  constructor(name: string, available: string[]) {
    super(`unknown QUEUE_BACKEND "${name}"; available: ${available.join(", ")}`);
    this.name = "UnknownBackendError";
  }
}

async function loadPlugin(plugin: PluginBackend): Promise<QueueBackendFactory> {
  const module = (await import(pathToFileURL(plugin.modulePath).href)) as Record<string, unknown>;
  const candidate = (module.default ?? module.backend ?? module.factory) as QueueBackendFactory | undefined;
  if (!candidate || typeof candidate.fromEnv !== "function") {
    throw new Error(
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
 */
export async function resolveBackend(env: Env, root: string = process.cwd()): Promise<ResolvedBackend> {
  const plugins = await discoverPlugins(root);
  const wanted = env.QUEUE_BACKEND?.trim();
  const pick = async (name: string): Promise<ResolvedBackend> => {
    const plugin = plugins.find((p) => p.name === name);
    if (plugin) return { name, factory: await loadPlugin(plugin), source: plugin.packageName };
    const builtIn = BUILT_INS[name];
    if (builtIn) return { name, factory: await builtIn.load(), source: "built-in" };
    throw new UnknownBackendError(name, availableBackends(plugins));
  };
  if (wanted) return pick(wanted);
  if (plugins.length === 1) return pick(plugins[0]!.name);
  return pick(DEFAULT_BACKEND);
}

export function availableBackends(plugins: PluginBackend[] = []): string[] {
  return [
    ...Object.entries(BUILT_INS).map(([name, b]) => `${name} (${b.description})`),
    ...plugins.map((p) => `${p.name} (plugin ${p.packageName})`),
  ];
}
