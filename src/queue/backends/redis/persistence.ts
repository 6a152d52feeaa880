import type { Redis } from "ioredis";
import { redactUrl } from "./connection.js";

/** `appendonly` and `save` of the server, or null when CONFIG is disabled, renamed or not allowed. */
export async function persistenceSettings(
  client: Redis,
): Promise<{ appendonly: string; save: string } | null> {
  try {
    const [aof, rdb] = await Promise.all([
      client.config("GET", "appendonly") as Promise<string[]>,
      client.config("GET", "save") as Promise<string[]>,
    ]);
    if (!Array.isArray(aof) || !Array.isArray(rdb) || aof.length < 2 || rdb.length < 2) return null;
    return { appendonly: String(aof[1]), save: String(rdb[1]) };
  } catch {
    // Managed Redis often disables or renames CONFIG: then nothing can be said.
    return null;
  }
}

/**
 * A warning when the server keeps nothing on disk (no AOF, no RDB snapshots), saying what a restart
 * of it would lose; null when it persists, or when CONFIG cannot tell (`unknown` is then called).
 */
export async function volatileRedisWarning(
  client: Redis,
  url: string,
  loses: string,
  unknown?: () => void,
): Promise<string | null> {
  const settings = await persistenceSettings(client);
  if (settings === null) {
    unknown?.();
    return null;
  }
  if (settings.appendonly !== "no" || settings.save.trim() !== "") return null;
  return `Redis at ${redactUrl(url)} keeps nothing on disk (appendonly no, save ""): a Redis restart loses ${loses}; turn on appendonly (AOF) where that matters`;
}
