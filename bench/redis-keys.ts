import { Redis } from "ioredis";

/** A key prefix of its own for one benchmark run, so its streams and markers can be dropped afterwards. */
export const benchPrefix = (): string => `slackline-bench-${process.pid}-${Date.now()}:`;

/** Removes every key under `prefix` (the benchmark's streams, dedup keys and markers). */
export async function dropKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
