import { afterEach, describe, expect, it } from "vitest";
import { MemoryDedupStore } from "../../dedup/memory.js";
import { RetryLaterError, UnrecoverableError } from "../../errors.js";
import { Router } from "../../handlers/router.js";
import { silentLogger } from "../../observability/logger.js";
import { Metrics } from "../../observability/metrics.js";
import type { QueueBackend } from "../../queue/types.js";
import { Worker } from "../../worker/worker.js";
import { sampleEnvelope, uniqueTopic } from "../envelopes.js";
import type { QueueContractOptions } from "./options.js";

/** Resolves once `check()` is true; rejects after `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The signals a handler can raise, over a real Worker on the backend: UnrecoverableError
 * dead-letters at once; RetryLaterError comes back after the delay it asked for, not the backoff's.
 */
export function workerSignalsContract(options: QueueContractOptions): void {
  const leaseMs = options.leaseMs ?? 400;
  const timeout = options.timeoutMs ?? 20_000;
  const wait = Math.max(8000, leaseMs * 10);

  describe(`Worker signals over ${options.name}`, () => {
    const running: Array<{ worker: Worker; backend: QueueBackend }> = [];
    afterEach(async () => {
      for (const { worker, backend } of running.splice(0)) {
        await worker.stop(1000);
        await backend.close().catch(() => {});
      }
    });

    const test = (title: string, fn: () => Promise<void>) => {
      const reason = options.skip?.[title];
      if (reason) it.skip(`${title} (not applicable: ${reason})`, fn);
      else it(title, fn, timeout);
    };

    /** A worker whose backoff is far longer than the test: a retry that comes back used the handler's delay. */
    const startWorker = async (topic: string, router: Router) => {
      const backend = await options.create();
      const worker = new Worker({
        backend,
        topic,
        group: "signals",
        router,
        markers: new MemoryDedupStore(),
        metrics: new Metrics(),
        logger: silentLogger,
        leaseMs,
        maxAttempts: 5,
        backoff: { baseMs: 10 * 60_000, capMs: 10 * 60_000 },
      });
      running.push({ worker, backend });
      void worker.start();
      return backend;
    };

    test("UnrecoverableError dead-letters at once, without the remaining attempts", async () => {
      const topic = uniqueTopic("signals");
      let calls = 0;
      const router = new Router().on("app_mention", () => {
        calls++;
        throw new UnrecoverableError("this request can never succeed");
      });
      const backend = await startWorker(topic, router);
      const envelope = sampleEnvelope();
      await backend.publish(topic, envelope);
      await until(async () => (await backend.listDeadLetters(topic)).length > 0, wait, "the dead letter");
      const dead = await backend.listDeadLetters(topic);
      expect(calls).toBe(1);
      expect(dead).toHaveLength(1);
      expect(dead[0]!.message.id).toBe(envelope.id);
      expect(dead[0]!.attempts).toBe(1);
      expect(dead[0]!.reason).toContain("unrecoverable");
      expect(dead[0]!.reason).toContain("this request can never succeed");
    });

    test("RetryLaterError(delayMs) comes back after that delay, not the backoff's", async () => {
      const topic = uniqueTopic("signals");
      const seen: Array<{ attempt: number; at: number }> = [];
      const router = new Router().on("app_mention", (_event, ctx) => {
        seen.push({ attempt: ctx.attempt, at: Date.now() });
        if (ctx.attempt === 1) throw new RetryLaterError(300, "rate limited downstream");
      });
      const backend = await startWorker(topic, router);
      await backend.publish(topic, sampleEnvelope());
      await until(() => seen.length >= 2, wait, "the second attempt");
      expect(seen.map((s) => s.attempt)).toEqual([1, 2]);
      // The backend may bring it back a little late (its poll), never early.
      expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(250);
      expect(await backend.listDeadLetters(topic)).toHaveLength(0);
    });
  });
}
