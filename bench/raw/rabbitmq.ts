import amqp from "amqplib";
import { collectGarbage } from "../../test/helpers/gc.js";
import type { Payload } from "./payloads.js";
import type { LoopResult, PublishLoopResult } from "./types.js";
import { timedPublishLoop } from "./types.js";

/** A quorum queue, as the RabbitMQ backend's group queues are. */
async function rawQueue(url: string, name: string) {
  // noDelay: amqplib leaves Nagle on, and small frames then wait for delayed ACKs (40 ms on Linux).
  const connection = await amqp.connect(url, { noDelay: true });
  const admin = await connection.createChannel();
  await admin.assertQueue(name, { durable: true, arguments: { "x-queue-type": "quorum" } });
  return {
    connection,
    drop: async () => {
      await admin.deleteQueue(name).catch(() => {});
      await connection.close().catch(() => {});
    },
  };
}

/** One persistent publish on a confirm channel, resolved by the broker's confirm. */
const confirmed = (ch: amqp.ConfirmChannel, queue: string, p: Payload) =>
  new Promise<void>((resolve, reject) => {
    ch.sendToQueue(queue, Buffer.from(p.json), { persistent: true, messageId: p.id }, (err) =>
      err ? reject(err) : resolve(),
    );
  });

/**
 * The ingress baseline: `concurrency` loops, each publishing one persistent message at a time to a
 * quorum queue on a confirm channel and awaiting its confirm (what durability needs before a 200).
 */
export async function rawRabbitPublishLoop(
  url: string,
  payloads: readonly Payload[],
  concurrency: number,
): Promise<PublishLoopResult> {
  const name = `bench_raw_pub_${process.pid}_${Date.now()}`;
  const { connection, drop } = await rawQueue(url, name);
  try {
    const ch = await connection.createConfirmChannel();
    return await timedPublishLoop(payloads, concurrency, (p) => confirmed(ch, name, p));
  } finally {
    await drop();
  }
}

/**
 * The end-to-end baseline: publish 64 at a time on a confirm channel (confirms awaited), while a
 * consumer on its own channel (prefetch `prefetch`) parses and acks each message.
 */
export async function rawRabbitEndToEnd(
  url: string,
  payloads: readonly Payload[],
  prefetch: number,
): Promise<LoopResult> {
  const name = `bench_raw_e2e_${process.pid}_${Date.now()}`;
  const { connection, drop } = await rawQueue(url, name);
  try {
    const pub = await connection.createConfirmChannel();
    const sub = await connection.createChannel();
    await sub.prefetch(prefetch);
    const count = payloads.length;
    collectGarbage();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const produce = (async () => {
      for (let i = 0; i < count; i += 64) {
        await Promise.all(payloads.slice(i, i + 64).map((p) => confirmed(pub, name, p)));
      }
    })();
    let consumed = 0;
    await new Promise<void>((resolve) => {
      void sub.consume(name, (msg) => {
        if (!msg) return;
        JSON.parse(msg.content.toString());
        sub.ack(msg);
        if (++consumed === count) resolve();
      });
    });
    await produce;
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return { eventsPerSecond: count / seconds, cpuMicrosPerEvent: (used.user + used.system) / count };
  } finally {
    await drop();
  }
}
