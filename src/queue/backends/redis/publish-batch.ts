import { TurnBatcher } from "../../turn-batcher.js";
import type { QueueScripts } from "./scripts.js";

/** Most messages one script call carries: bounds how long one call keeps Redis busy (about a millisecond). */
const MAX_BATCH = 256;

interface Once {
  dedupKey: string;
  ttlMs: number;
  json: string;
  id: string;
}

/** Another gateway's claim on this id is pending (its publish has not answered yet). */
export class InFlightError extends Error {
  constructor(id: string) {
    super(`INFLIGHT another gateway is publishing ${id}`);
    this.name = "InFlightError";
  }
}

const failed = (result: string): boolean => result.startsWith("ERR ");

/**
 * Publishes of one event-loop turn go to Redis as one script call per stream, not one XADD each: a
 * gateway or producer answering many requests at once pays the client's per-command cost (command
 * object, timer, reply) once per turn. Each message still gets its own outcome.
 */
export class PublishBatcher {
  private readonly plain = new Map<string, TurnBatcher<[json: string, id: string], string>>();
  private readonly once = new Map<string, TurnBatcher<Once, string>>();

  constructor(private readonly scripts: QueueScripts) {}

  async publish(stream: string, json: string, id: string): Promise<string> {
    let batcher = this.plain.get(stream);
    if (!batcher) {
      batcher = new TurnBatcher((items) => this.scripts.publishMany(1, stream, ...items.flat()), MAX_BATCH);
      this.plain.set(stream, batcher);
    }
    const result = await batcher.add([json, id]);
    if (failed(result)) throw new Error(`redis XADD failed: ${result.slice(4)}`);
    return result;
  }

  /** The entry id, or null for a duplicate. */
  async publishOnce(stream: string, item: Once): Promise<string | null> {
    let batcher = this.once.get(stream);
    if (!batcher) {
      batcher = new TurnBatcher((items) => {
        const args: Array<string | number> = items.map((i) => i.dedupKey);
        for (const i of items) args.push(i.ttlMs, i.json, i.id);
        return this.scripts.publishOnceMany(1 + items.length, stream, ...args);
      }, MAX_BATCH);
      this.once.set(stream, batcher);
    }
    const result = await batcher.add(item);
    if (result === "") return null;
    if (result === "INFLIGHT") throw new InFlightError(item.id);
    if (failed(result)) throw new Error(`redis XADD failed: ${result.slice(4)}`);
    return result;
  }

  /** Sends what this turn gathered now (before the connection closes). */
  flush(): void {
    for (const b of this.plain.values()) b.flush();
    for (const b of this.once.values()) b.flush();
  }
}
