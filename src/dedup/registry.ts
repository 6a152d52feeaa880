import { ConfigError } from "../config/config-error.js";
import type { Env } from "../config/env.js";
import { builtInInfo } from "../queue/registry.js";
import type { QueueBackend } from "../queue/types.js";
import type { DedupStore, DedupStoreFactory } from "./types.js";

const STORES: Record<string, () => Promise<DedupStoreFactory>> = {
  memory: async () => (await import("./memory-factory.js")).memoryDedupFactory,
  sqlite: async () => (await import("./sqlite.js")).sqliteDedupFactory,
  redis: async () => (await import("./redis.js")).redisDedupFactory,
  nats: async () => (await import("./nats.js")).natsDedupFactory,
  dynamodb: async () => (await import("./dynamodb.js")).dynamodbDedupFactory,
};

/** Where each store's connection is configured, named in its "unreachable" start-up error. */
const CONNECTION_VARIABLES: Record<string, string> = {
  memory: "DEDUP_STORE",
  sqlite: "SQLITE_PATH / SLACKLINE_DATA_DIR",
  redis: "REDIS_URL",
  nats: "NATS_URL",
  dynamodb: "DYNAMODB_TABLE and the AWS settings",
};

/** The store resolveDedupStore() opens: DEDUP_STORE, else the backend's default, else SQLite. */
export function dedupStoreName(env: Env, backendName: string): string {
  return env.DEDUP_STORE?.trim() || builtInInfo(backendName)?.defaultDedupStore(env) || "sqlite";
}

/** The variable(s) that configure a store's connection ("its settings" when unknown). */
export function dedupConnectionVariable(name: string): string {
  return CONNECTION_VARIABLES[name] ?? "its settings";
}

/** DEDUP_STORE wins; else the store that matches the queue backend; plugins default to SQLite. */
export async function resolveDedupStore(env: Env, backendName: string): Promise<DedupStore> {
  const name = dedupStoreName(env, backendName);
  const load = STORES[name];
  if (!load)
    throw new ConfigError(`unknown DEDUP_STORE "${name}"; available: ${Object.keys(STORES).join(", ")}`);
  return (await load()).fromEnv(env);
}

/**
 * Where a worker keeps its processed-markers: the backend's own marker store when it offers one and
 * DEDUP_STORE names no other, else the store resolveDedupStore() picks.
 */
export async function resolveMarkerStore(env: Env, backend: QueueBackend): Promise<DedupStore> {
  if (!env.DEDUP_STORE?.trim() && backend.markerStore) return backend.markerStore();
  return resolveDedupStore(env, backend.name);
}
