import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryDedupStore } from "../../src/dedup/memory.js";
import type { DedupStore } from "../../src/dedup/types.js";
import type { HandlerContext } from "../../src/handlers/context.js";
import { Router } from "../../src/handlers/router.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { MemoryQueue } from "../../src/queue/backends/memory.js";
import type { ConsumeOptions, Delivery } from "../../src/queue/types.js";
import { sampleEnvelope } from "../../src/testing/envelopes.js";
import { Worker, type WorkerOptions } from "../../src/worker/worker.js";
import { storeOver } from "../helpers/dedup.js";
import { collectGarbage } from "../helpers/gc.js";
import { sleep, until } from "../helpers/wait.js";

const TOPIC = "events";

const running: Worker[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.stop(100)));
});

function startWorker(queue: MemoryQueue, router: Router, options: Partial<WorkerOptions> = {}) {
  const metrics = new Metrics();
  const worker = new Worker({
    backend: queue,
    topic: TOPIC,
    group: "g",
    router,
    markers: options.markers ?? new MemoryDedupStore(),
    metrics,
    logger: silentLogger,
    backoff: { baseMs: 20, capMs: 100 },
    ...options,
  });
  running.push(worker);
  void worker.start();
  return { worker, metrics };
}

describe("Worker", () => {
  it("hands the inner event and a context to the handler, then acks", async () => {
    const queue = new MemoryQueue();
    const calls: Array<[unknown, HandlerContext]> = [];
    startWorker(
      queue,
      new Router().appMention((event, ctx) => void calls.push([event, ctx])),
    );
    const envelope = sampleEnvelope();
    await queue.publish(TOPIC, envelope);
    await until(() => calls.length === 1);
    const [event, ctx] = calls[0]!;
    expect(event).toEqual((envelope.body as { event: unknown }).event);
    expect(ctx.envelope.id).toBe(envelope.id);
    expect(ctx.attempt).toBe(1);
    expect(ctx.route).toBe("app_mention");
    await sleep(50);
    expect((await queue.stats(TOPIC, "g")).depth).toBe(0);
  });

  it("retries only the failed handler: it runs 3 times, its sibling once", async () => {
    const queue = new MemoryQueue();
    let flaky = 0;
    let sibling = 0;
    const router = new Router()
      .appMention(() => {
        flaky++;
        if (flaky < 3) throw new Error(`fail ${flaky}`);
      })
      .appMention(() => {
        sibling++;
      });
    startWorker(queue, router);
    await queue.publish(TOPIC, sampleEnvelope());
    await until(() => flaky === 3);
    await sleep(200);
    expect(flaky).toBe(3);
    expect(sibling).toBe(1);
    expect((await queue.stats(TOPIC, "g")).depth).toBe(0);
  });

  it("dead-letters after the last attempt with the error, and a replay runs it again", async () => {
    const queue = new MemoryQueue();
    let calls = 0;
    let fail = true;
    const { metrics } = startWorker(
      queue,
      new Router().appMention(() => {
        calls++;
        if (fail) throw new Error("always broken");
      }),
      { maxAttempts: 3 },
    );
    const envelope = sampleEnvelope();
    await queue.publish(TOPIC, envelope);
    await until(() => calls === 3);
    await sleep(100);
    const dead = await queue.listDeadLetters(TOPIC);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.reason).toContain("always broken");
    expect(dead[0]!.message.id).toBe(envelope.id);
    expect(calls).toBe(3);
    expect(await metrics.registry.getSingleMetricAsString("slackline_dead_letters_total")).toMatch(
      /group="g"} 1/,
    );
    fail = false;
    await queue.replayDeadLetters(TOPIC);
    await until(() => calls === 4);
    await sleep(100);
    expect(await queue.listDeadLetters(TOPIC)).toHaveLength(0);
  });

  it("times out a hung handler and retries it", async () => {
    const queue = new MemoryQueue();
    let calls = 0;
    let aborted = false;
    startWorker(
      queue,
      new Router().appMention(async (_e, ctx) => {
        calls++;
        if (calls === 1) {
          ctx.signal.addEventListener("abort", () => {
            aborted = true;
          });
          await new Promise(() => {});
        }
      }),
      { handlerTimeoutMs: 100 },
    );
    await queue.publish(TOPIC, sampleEnvelope());
    await until(() => calls === 2);
    expect(aborted).toBe(true);
  });

  it("a signal first read after the timeout starts aborted; retry and logger describe the delivery", async () => {
    const queue = new MemoryQueue();
    let lateSignal: AbortSignal | undefined;
    let seen: Pick<HandlerContext, "retry" | "attempt" | "route"> | undefined;
    let loggerChild: unknown;
    startWorker(
      queue,
      new Router().appMention(async (_e, ctx) => {
        if (ctx.attempt > 1) return;
        seen = { retry: ctx.retry, attempt: ctx.attempt, route: ctx.route };
        loggerChild = ctx.logger;
        await sleep(150);
        lateSignal = ctx.signal;
      }),
      { handlerTimeoutMs: 50 },
    );
    await queue.publish(TOPIC, { ...sampleEnvelope(), retry_num: 2, retry_reason: "http_timeout" });
    await until(() => lateSignal !== undefined);
    expect(lateSignal!.aborted).toBe(true);
    expect(seen).toEqual({ retry: { num: 2, reason: "http_timeout" }, attempt: 1, route: "app_mention" });
    expect(loggerChild).not.toBe(silentLogger);
  });

  it("a slow ack frees its handler slot, and at most `concurrency` acks wait at once", async () => {
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    let acksWaiting = 0;
    // A queue whose acks hang until the gate opens (a slow round trip to the broker).
    class SlowAckQueue extends MemoryQueue {
      override async *consume(topic: string, options: ConsumeOptions): AsyncGenerator<Delivery> {
        for await (const delivery of super.consume(topic, options)) {
          yield {
            ...delivery,
            ack: async () => {
              acksWaiting++;
              await gate;
              return delivery.ack();
            },
          };
        }
      }
    }
    const queue = new SlowAckQueue();
    let handled = 0;
    startWorker(
      queue,
      new Router().appMention(() => {
        handled++;
      }),
      { concurrency: 2 },
    );
    for (let i = 0; i < 6; i++) await queue.publish(TOPIC, sampleEnvelope());
    // Two handler slots, two acks waiting: four handled while no ack has come back.
    await until(() => handled === 4);
    await sleep(100);
    expect(handled).toBe(4);
    expect(acksWaiting).toBe(4);
    openGate();
    await until(() => handled === 6);
    await sleep(100);
    expect((await queue.stats(TOPIC, "g")).depth).toBe(0);
  });

  it("skips handlers whose processed-marker exists (a redelivery after a crash)", async () => {
    const queue = new MemoryQueue();
    const markers = new MemoryDedupStore();
    const envelope = sampleEnvelope();
    await markers.mark(`done:g:${envelope.id}:app_mention#0`, 60);
    let first = 0;
    let second = 0;
    startWorker(
      queue,
      new Router().appMention(() => void first++).appMention(() => void second++),
      { markers },
    );
    await queue.publish(TOPIC, envelope);
    await until(() => second === 1);
    await sleep(50);
    expect(first).toBe(0);
  });

  it("never runs more than `concurrency` deliveries at once", async () => {
    const queue = new MemoryQueue();
    let active = 0;
    let peak = 0;
    let done = 0;
    startWorker(
      queue,
      new Router().appMention(async () => {
        active++;
        peak = Math.max(peak, active);
        await sleep(20);
        active--;
        done++;
      }),
      { concurrency: 3 },
    );
    for (let i = 0; i < 12; i++) await queue.publish(TOPIC, sampleEnvelope());
    await until(() => done === 12);
    expect(peak).toBe(3);
  });

  it("stop() drains in-flight work before resolving, and leases nothing new", async () => {
    const queue = new MemoryQueue();
    let finished = 0;
    let started = 0;
    const { worker } = startWorker(
      queue,
      new Router().appMention(async () => {
        started++;
        await sleep(150);
        finished++;
      }),
      { concurrency: 1 },
    );
    await queue.publish(TOPIC, sampleEnvelope());
    await queue.publish(TOPIC, sampleEnvelope());
    await until(() => started === 1);
    await worker.stop(5000);
    expect(finished).toBe(1);
    expect(started).toBe(1);
    expect((await queue.stats(TOPIC, "g")).depth).toBe(1);
  });

  it("two stop() calls at once both wait for the drain", async () => {
    const queue = new MemoryQueue();
    let finished = 0;
    const { worker } = startWorker(
      queue,
      new Router().appMention(async () => {
        await sleep(150);
        finished++;
      }),
    );
    await queue.publish(TOPIC, sampleEnvelope());
    await sleep(30);
    const stopped: number[] = [];
    // A drain deadline past the test's timeout: a call left waiting for it fails the test.
    await Promise.all(
      [worker.stop(60_000), worker.stop(60_000)].map((p) => p.then(() => stopped.push(finished))),
    );
    expect(stopped).toEqual([1, 1]);
  });

  it("stop() past its deadline aborts the handler's signal and hands the delivery back to the group", async () => {
    const queue = new MemoryQueue();
    let signal: AbortSignal | undefined;
    const { worker } = startWorker(
      queue,
      new Router().appMention((_event, ctx) => {
        signal = ctx.signal;
        return new Promise(() => {});
      }),
    );
    await queue.publish(TOPIC, sampleEnvelope());
    await until(() => signal !== undefined);
    expect(signal!.aborted).toBe(false);
    await worker.stop(50);
    expect(signal!.aborted).toBe(true);
    let redelivered = 0;
    startWorker(
      queue,
      new Router().appMention(() => void redelivered++),
    );
    await until(() => redelivered === 1, 2000);
  });

  it("acks once the handler succeeded even if its processed-marker cannot be written (it reruns nothing)", async () => {
    const queue = new MemoryQueue();
    const store = new MemoryDedupStore();
    const broken = storeOver(store, {
      name: "broken",
      mark: async () => {
        throw new Error("store down");
      },
    });
    let calls = 0;
    startWorker(
      queue,
      new Router().appMention(() => {
        calls++;
      }),
      { markers: broken },
    );
    await queue.publish(TOPIC, sampleEnvelope());
    await until(() => calls === 1);
    await sleep(100);
    expect((await queue.stats(TOPIC, "g")).depth).toBe(0);
    expect(calls).toBe(1);
  });

  it("acks a batch of synchronous successes together: a shared ack counts them all, a failed one is logged and let go", async () => {
    let acksDone!: () => void;
    const shared = new Promise<void>((resolve) => {
      acksDone = resolve;
    });
    // Deliveries come four at a time. The first three of a batch answer their ack with one shared
    // promise (as Redis answers one XACK); the fourth's ack fails (a broker gone in between).
    class BatchingQueue extends MemoryQueue {
      async *consumeBatches(topic: string, options: ConsumeOptions): AsyncGenerator<Delivery[]> {
        let batch: Delivery[] = [];
        for await (const delivery of super.consume(topic, options)) {
          const last = batch.length === 3;
          batch.push({
            ...delivery,
            ack: () => (last ? Promise.reject(new Error("ack lost")) : delivery.ack().then(() => shared)),
          });
          if (last) {
            yield batch;
            batch = [];
          }
        }
      }
    }
    const queue = new BatchingQueue();
    const errors: Array<{ id?: string; msg: string }> = [];
    const logger = pino(
      { level: "error" },
      { write: (line: string) => void errors.push(JSON.parse(line) as { id?: string; msg: string }) },
    );
    const markers = new MemoryDedupStore();
    const sent = Array.from({ length: 8 }, () => sampleEnvelope());
    for (const e of sent) await queue.publish(TOPIC, e);
    // The third was handled before: its handler is skipped, and it counts as skipped_processed.
    await markers.mark(`done:g:${sent[2]!.id}:app_mention#0`, 60);
    let calls = 0;
    const { worker, metrics } = startWorker(
      queue,
      new Router().appMention(() => {
        calls++;
      }),
      { markers, logger, concurrency: 4 },
    );
    await until(() => errors.length === 2);
    expect(errors.map((e) => e.id)).toEqual([sent[3]!.id, sent[7]!.id]);
    expect(errors[0]!.msg).toBe("delivery failed unexpectedly");
    expect(calls).toBe(7);
    // Nothing is counted before the shared ack answers; then every delivery that shared it is.
    const counted = () => metrics.registry.getSingleMetricAsString("slackline_deliveries_total");
    expect(await counted()).not.toMatch(/result="acked"/);
    acksDone();
    await until(async () => /result="acked"\} 5/.test(await counted()));
    expect(await counted()).toMatch(/result="skipped_processed"\} 1/);
    // Every delivery left flight, the failed ones too: stop() has no drain to wait for.
    const stopping = performance.now();
    await worker.stop(10_000);
    expect(performance.now() - stopping).toBeLessThan(5000);
    // The handlers' markers were written with their acks, the failed acks' too (they only matter on a redelivery).
    const ids = sent.filter((_, i) => i !== 2).map((e) => `done:g:${e.id}:app_mention#0`);
    expect((await markers.marked(ids)).size).toBe(7);
  });

  it("keeps nothing of a settled delivery: the heap stays flat over 40,000 deliveries", async () => {
    // Markers that keep nothing, so whatever the heap keeps is the worker's (and the queue's).
    const forgetful: DedupStore = {
      name: "forgetful",
      claim: async () => "claimed",
      confirm: async () => {},
      release: async () => {},
      mark: async () => {},
      marked: async () => new Set(),
      close: async () => {},
    };
    const queue = new MemoryQueue();
    let handled = 0;
    startWorker(
      queue,
      new Router().appMention(() => {
        handled++;
      }),
      { markers: forgetful, concurrency: 64 },
    );
    const heapAfter = async (count: number) => {
      const target = handled + count;
      for (let i = 0; i < count; i++) await queue.publish(TOPIC, sampleEnvelope());
      await until(() => handled === target, 30_000);
      await sleep(20);
      collectGarbage();
      return process.memoryUsage().heapUsed;
    };
    const warm = await heapAfter(5_000);
    const later = await heapAfter(40_000);
    // A kilobyte kept per delivery would be 40 MB here.
    expect(later - warm).toBeLessThan(8 * 1024 * 1024);
  });
});

describe("Worker leases", () => {
  it("keeps extending a draining handler's lease: another consumer never gets it meanwhile", async () => {
    const queue = new MemoryQueue();
    let finished = 0;
    let other = 0;
    const { worker } = startWorker(
      queue,
      new Router().appMention(async () => {
        await sleep(900);
        finished++;
      }),
      { leaseMs: 300 },
    );
    await queue.publish(TOPIC, sampleEnvelope());
    await sleep(50);
    const stopping = worker.stop(5000);
    startWorker(
      queue,
      new Router().appMention(() => void other++),
      { leaseMs: 300 },
    );
    await stopping;
    await sleep(100);
    expect(finished).toBe(1);
    expect(other).toBe(0);
  });
});
