import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import amqp from "amqplib";
import { Redis } from "ioredis";
import { topicNames as natsNames } from "../../src/queue/backends/nats/names.js";
import { groupQueue, topicNames as rabbitNames } from "../../src/queue/backends/rabbitmq/names.js";

/** A key prefix of its own for one run (a benchmark, a test), so its keys can be dropped afterwards. */
export const runPrefix = (label: string): string => `slackline-${label}-${process.pid}-${Date.now()}:`;

/** Removes every key under `prefix` (a run's streams, dedup keys and markers). */
export async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  // Fail fast: a test may clean up after stopping its own server.
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
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

/** Deletes a topic's JetStream streams (its messages and dead letters). */
export async function dropNatsTopic(url: string, topic: string): Promise<void> {
  const nc = await natsConnect({ servers: url.replace(/^nats:\/\//, "") });
  try {
    const jsm = await jetstreamManager(nc);
    const names = natsNames("slackline", topic);
    for (const stream of [names.stream, names.dlqStream]) await jsm.streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** Deletes a topic's RabbitMQ queues and exchanges (quorum queues cost the broker even idle). */
export async function dropRabbitTopic(url: string, topic: string, groups: string[]): Promise<void> {
  const connection = await amqp.connect(url);
  try {
    const names = rabbitNames(topic);
    for (const queue of [...groups.map((g) => groupQueue(topic, g)), names.dlq]) {
      // A channel per call: deleting what does not exist closes the channel.
      const ch = await connection.createChannel();
      await ch.deleteQueue(queue).catch(() => {});
      await ch.close().catch(() => {});
    }
    for (const exchange of [names.exchange, names.dlx]) {
      const ch = await connection.createChannel();
      await ch.deleteExchange(exchange).catch(() => {});
      await ch.close().catch(() => {});
    }
  } finally {
    await connection.close();
  }
}
