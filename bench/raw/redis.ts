import { Redis } from "ioredis";
import { collectGarbage } from "../../test/helpers/gc.js";
import type { Payload } from "./payloads.js";
import type { LoopResult } from "./types.js";

/** The end-to-end baseline on Redis: pipelined XADD (100 a time), XREADGROUP COUNT 100, one XACK per read. */
export async function rawRedisEndToEnd(url: string, payloads: readonly Payload[]): Promise<LoopResult> {
  const producer = new Redis(url);
  const consumer = new Redis(url);
  const stream = `bench:raw:${Date.now()}`;
  const count = payloads.length;
  await consumer.xgroup("CREATE", stream, "g", "0", "MKSTREAM");
  collectGarbage();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const produce = (async () => {
    for (let i = 0; i < count; i += 100) {
      const pipeline = producer.pipeline();
      for (let j = i; j < Math.min(count, i + 100); j++)
        pipeline.xadd(stream, "*", "envelope", payloads[j]!.json);
      await pipeline.exec();
    }
  })();
  let consumed = 0;
  while (consumed < count) {
    const reply = (await consumer.xreadgroup(
      "GROUP",
      "g",
      "c",
      "COUNT",
      100,
      "BLOCK",
      100,
      "STREAMS",
      stream,
      ">",
    )) as Array<[string, Array<[string, string[]]>]> | null;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) continue;
    for (const [, fields] of entries) JSON.parse(fields[1]!);
    await consumer.xack(stream, "g", ...entries.map(([id]) => id));
    consumed += entries.length;
  }
  await produce;
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await producer.del(stream);
  producer.disconnect();
  consumer.disconnect();
  return { eventsPerSecond: count / seconds, cpuMicrosPerEvent: (used.user + used.system) / count };
}
