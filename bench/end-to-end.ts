import { Redis } from "ioredis";
import type { Env } from "../src/config/env.js";
import { collectGarbage } from "../test/helpers/gc.js";

// The built code, as users run it: tsx would wrap every function in helpers of its own.
const built = <T>(path: string): Promise<T> => import(new URL(`../dist/${path}`, import.meta.url).href);
const { resolveMarkerStore } = await built<typeof import("../src/dedup/registry.js")>("dedup/registry.js");
const { Router } = await built<typeof import("../src/handlers/router.js")>("handlers/router.js");
const { silentLogger } =
  await built<typeof import("../src/observability/logger.js")>("observability/logger.js");
const { Metrics } = await built<typeof import("../src/observability/metrics.js")>("observability/metrics.js");
const { resolveBackend } = await built<typeof import("../src/queue/registry.js")>("queue/registry.js");
const { sampleEnvelope } = await built<typeof import("../src/testing/envelopes.js")>("testing/envelopes.js");
const { envelopeAroundRawBody } =
  await built<typeof import("../src/envelope/envelope.js")>("envelope/envelope.js");
const { Worker } = await built<typeof import("../src/worker/worker.js")>("worker/worker.js");

/**
 * Published to handler done: publishes `count` envelopes (64 at a time) while a Worker with a no-op
 * handler consumes them; events/s over the whole run. The envelopes are made as ingress makes them,
 * around a body already JSON (the request as received), before the clock starts: the raw loop's
 * payload is serialised before its clock starts too.
 */
export interface EndToEndResult {
  eventsPerSecond: number;
  /** This process's CPU time (publisher and consumer together) per event. */
  cpuMicrosPerEvent: number;
}

export async function slacklineEndToEnd(
  env: Env,
  topic: string,
  count: number,
  concurrency: number,
): Promise<EndToEndResult> {
  const backend = await (await resolveBackend(env)).factory.fromEnv(env);
  // As `slackline worker` does: the backend's own marker store where it has one.
  const markers = await resolveMarkerStore(env, backend);
  let handled = 0;
  let finish!: () => void;
  const allDone = new Promise<void>((r) => {
    finish = r;
  });
  const router = new Router().appMention(() => {
    if (++handled === count) finish();
  });
  const worker = new Worker({
    backend,
    topic,
    group: "bench",
    router,
    markers,
    metrics: new Metrics(),
    logger: silentLogger,
    concurrency,
  });
  const envelopes = Array.from({ length: count }, () => {
    const { v: _v, body, ...meta } = sampleEnvelope();
    return envelopeAroundRawBody(meta, body, JSON.stringify(body));
  });
  collectGarbage();
  const cpu = process.cpuUsage();
  const started = performance.now();
  void worker.start();
  for (let i = 0; i < count; i += 64) {
    await Promise.all(envelopes.slice(i, i + 64).map((e) => backend.publish(topic, e)));
  }
  await allDone;
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await worker.stop(5000);
  await markers.close();
  await backend.close();
  return { eventsPerSecond: count / seconds, cpuMicrosPerEvent: (used.user + used.system) / count };
}

/** The baseline: a raw loop on the same Redis: pipelined XADD, XREADGROUP COUNT 100, pipelined XACK. */
export async function rawRedisLoop(url: string, count: number): Promise<EndToEndResult> {
  const producer = new Redis(url);
  const consumer = new Redis(url);
  const stream = `bench:raw:${Date.now()}`;
  await consumer.xgroup("CREATE", stream, "g", "0", "MKSTREAM");
  const payload = JSON.stringify(sampleEnvelope());
  collectGarbage();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const produce = (async () => {
    for (let i = 0; i < count; i += 100) {
      const pipeline = producer.pipeline();
      for (let j = i; j < Math.min(count, i + 100); j++) pipeline.xadd(stream, "*", "envelope", payload);
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
