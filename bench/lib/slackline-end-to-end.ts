import type { Env } from "../../src/config/env.js";
import { collectGarbage } from "../../test/helpers/gc.js";
import type { LoopResult } from "../raw/types.js";
import { GROUP } from "./services.js";

// The built code, as users run it: tsx would wrap every function in helpers of its own.
const built = <T>(path: string): Promise<T> => import(new URL(`../../dist/${path}`, import.meta.url).href);
const { resolveMarkerStore } = await built<typeof import("../../src/dedup/registry.js")>("dedup/registry.js");
const { Router } = await built<typeof import("../../src/handlers/router.js")>("handlers/router.js");
const { silentLogger } =
  await built<typeof import("../../src/observability/logger.js")>("observability/logger.js");
const { Metrics } =
  await built<typeof import("../../src/observability/metrics.js")>("observability/metrics.js");
const { resolveBackend } = await built<typeof import("../../src/queue/registry.js")>("queue/registry.js");
const { sampleEnvelope } =
  await built<typeof import("../../src/testing/envelopes.js")>("testing/envelopes.js");
const { envelopeAroundRawBody } =
  await built<typeof import("../../src/envelope/envelope.js")>("envelope/envelope.js");
const { Worker } = await built<typeof import("../../src/worker/worker.js")>("worker/worker.js");

/**
 * Published to handler done: publishes `count` envelopes (64 at a time) while a Worker with a no-op
 * handler consumes them; events/s over the whole run. The envelopes are made as ingress makes them,
 * around a body already JSON (the request as received), before the clock starts: the raw loop's
 * payload is serialised before its clock starts too.
 */
export async function slacklineEndToEnd(
  env: Env,
  topic: string,
  count: number,
  concurrency: number,
): Promise<LoopResult> {
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
    group: GROUP,
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
