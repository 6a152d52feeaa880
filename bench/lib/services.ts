import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import {
  dropNatsTopic,
  dropRabbitTopic,
  dropRedisKeys,
  runPrefix,
} from "../../test/helpers/broker-cleanup.js";
import { tcpReachable } from "../../test/helpers/services.js";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
export const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";

/** The one consumer group every case uses: on RabbitMQ it is also the only group queue declared. */
export const GROUP = "bench";

const SERVICES: Record<string, { port: number; env: Record<string, string> }> = {
  redis: { port: 6379, env: { REDIS_URL } },
  nats: { port: 4222, env: { NATS_URL } },
  // One group queue, as the raw loop's one queue: by default the gateway declares "default" and "mcp"
  // too, and every group queue is one more quorum-queue write per publish.
  rabbitmq: { port: 5672, env: { AMQP_URL, SLACKLINE_GROUPS: GROUP } },
};

export async function available(backend: string): Promise<boolean> {
  const service = SERVICES[backend];
  if (!service) return true;
  const ok = await tcpReachable("127.0.0.1", service.port);
  if (!ok) console.log(`skip ${backend}: nothing answers on 127.0.0.1:${service.port}`);
  return ok;
}

/** A topic, a Redis key prefix and a data directory of their own for one run, and the environment naming them. */
export interface RunPlace {
  topic: string;
  redisPrefix: string;
  env: Record<string, string>;
}

export function runPlace(backend: string, label: string): RunPlace {
  const topic = `bench_${label}_${Date.now()}`;
  const redisPrefix = runPrefix("bench");
  return {
    topic,
    redisPrefix,
    env: {
      QUEUE_BACKEND: backend,
      SLACK_EVENTS_TOPIC: topic,
      SLACKLINE_DATA_DIR: mkdtempSync(join(tmpdir(), "slackline-bench-")),
      REDIS_KEY_PREFIX: redisPrefix,
      // The workers' processed-markers on NATS: a bucket of the run's own, dropped afterwards.
      NATS_DEDUP_BUCKET: `${topic}_dedup`,
      ...(SERVICES[backend]?.env ?? {}),
    },
  };
}

/** What a run left in a broker goes: `npm run bench` must not pile up streams and queues. */
export async function cleanUp(backend: string, place: RunPlace): Promise<void> {
  try {
    if (backend === "redis") await dropRedisKeys(REDIS_URL, place.redisPrefix);
    if (backend === "nats") {
      await dropNatsTopic(NATS_URL, place.topic);
      await dropNatsStream(NATS_URL, `KV_${place.env.NATS_DEDUP_BUCKET}`);
    }
    if (backend === "rabbitmq") await dropRabbitTopic(AMQP_URL, place.topic, ["default", "mcp", GROUP]);
  } catch (err) {
    console.log(`  (could not remove ${backend} topic ${place.topic}: ${(err as Error).message})`);
  }
}

async function dropNatsStream(url: string, stream: string): Promise<void> {
  const nc = await natsConnect({ servers: url });
  try {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}
