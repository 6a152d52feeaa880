import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { collectGarbage } from "../../test/helpers/gc.js";
import type { Payload } from "./payloads.js";
import type { LoopResult, PublishLoopResult } from "./types.js";
import { timedPublishLoop } from "./types.js";

const NS_PER_S = 1_000_000_000;

/** A stream as the NATS backend makes one: file storage, a duplicate window (the Nats-Msg-Id dedup). */
async function rawStream(url: string, name: string) {
  const nc = await connect({ servers: url, noAsyncTraces: true });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name,
    subjects: [name],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    duplicate_window: 3600 * NS_PER_S,
  });
  return { nc, jsm, js: jetstream(nc) };
}

/**
 * The ingress baseline: `concurrency` loops, each publishing one message at a time and awaiting its
 * PubAck (what durability needs before a 200), with the event id as Nats-Msg-Id as the backend sets it.
 */
export async function rawNatsPublishLoop(
  url: string,
  payloads: readonly Payload[],
  concurrency: number,
): Promise<PublishLoopResult> {
  const name = `bench_raw_pub_${process.pid}_${Date.now()}`;
  const { nc, jsm, js } = await rawStream(url, name);
  try {
    return await timedPublishLoop(payloads, concurrency, (p) => js.publish(name, p.json, { msgID: p.id }));
  } finally {
    await jsm.streams.delete(name).catch(() => false);
    await nc.close();
  }
}

/**
 * The end-to-end baseline: publish 64 at a time (PubAck awaited), while a durable pull consumer
 * (`consume()`, `prefetch` messages buffered) parses and acks each message.
 */
export async function rawNatsEndToEnd(
  url: string,
  payloads: readonly Payload[],
  prefetch: number,
): Promise<LoopResult> {
  const name = `bench_raw_e2e_${process.pid}_${Date.now()}`;
  const { nc, jsm, js } = await rawStream(url, name);
  try {
    await jsm.consumers.add(name, {
      durable_name: "g",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 30 * NS_PER_S,
      max_ack_pending: 20_000,
    });
    const consumer = await js.consumers.get(name, "g");
    const count = payloads.length;
    collectGarbage();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const produce = (async () => {
      for (let i = 0; i < count; i += 64) {
        await Promise.all(payloads.slice(i, i + 64).map((p) => js.publish(name, p.json, { msgID: p.id })));
      }
    })();
    const messages = await consumer.consume({ max_messages: prefetch });
    let consumed = 0;
    for await (const msg of messages) {
      msg.json();
      msg.ack();
      if (++consumed === count) break;
    }
    await produce;
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    await messages.close();
    return { eventsPerSecond: count / seconds, cpuMicrosPerEvent: (used.user + used.system) / count };
  } finally {
    await jsm.streams.delete(name).catch(() => false);
    await nc.close();
  }
}
