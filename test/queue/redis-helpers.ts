import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedisQueue, type RedisQueueOptions } from "../../src/queue/backends/redis.js";
import { dropRedisKeys } from "../helpers/broker-cleanup.js";
import { REDIS_URL } from "../helpers/services.js";

/** A key prefix and a data dir of its own per test file, removed by cleanup(). */
export function redisTestSpace(name: string) {
  const keyPrefix = `slackline-test:${name}:${randomUUID().slice(0, 8)}:`;
  const dataDir = mkdtempSync(join(tmpdir(), `slackline-${name}-`));
  const open = (options: RedisQueueOptions = {}) =>
    RedisQueue.open({ url: REDIS_URL, keyPrefix, dataDir, ...options });
  const cleanup = async (url = REDIS_URL) => {
    rmSync(dataDir, { recursive: true, force: true });
    await dropRedisKeys(url, keyPrefix).catch(() => {});
  };
  return { keyPrefix, dataDir, open, cleanup };
}
