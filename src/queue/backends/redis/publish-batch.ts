import { SlacklineError } from "../../../errors.js";
import { TurnBatcher } from "../../turn-batcher.js";
import type { QueueScripts } from "./scripts.js";

/** Most messages one script call carries: bounds how long one call keeps Redis busy (about a millisecond). */
const MAX_BATCH = 256;

interface Plain {
  json: string;
  id: string;
}

interface Once extends Plain {
  dedupKey: string;
  ttlMs: number;
}

/** Another gateway's claim on this id is pending (its publish has not answered yet). */
export class InFlightError extends SlacklineError {
  constructor(id: string) {
    super("SLACKLINE_PUBLISH_IN_FLIGHT", `INFLIGHT another gateway is publishing ${id}`);
  }
}

/** What the publish scripts answer for one message (entry id, "", "INFLIGHT" or "ERR ...") as its outcome. */
function outcome(result: string, id: string): string | Error {
  if (result.startsWith("ERR "))
    return new SlacklineError("SLACKLINE_PUBLISH_FAILED", `redis XADD failed: ${result.slice(4)}`);
  if (result === "INFLIGHT") return new InFlightError(id);
  return result;
}

/**
 * Publishes of one event-loop turn go to Redis as one script call per stream, not one XADD each: a
 * gateway or producer answering many requests at once pays the client's per-command cost (command
 * object, timer, reply) once per turn. Each message still gets its own outcome. `onPublished` hears
 * how many entries each call added to a stream.
 */
export class PublishBatcher {
  private readonly plain = new Map<string, TurnBatcher<Plain, string>>();
  private readonly once = new Map<string, TurnBatcher<Once, string>>();

  constructor(
    private readonly scripts: QueueScripts,
    private readonly onPublished: (stream: string, added: number) => void,
  ) {}

  /** The entry id. */
  publish(stream: string, json: string, id: string): Promise<string> {
    let batcher = this.plain.get(stream);
    if (!batcher) {
      batcher = new TurnBatcher(async (items) => {
        const args: string[] = new Array(items.length * 2);
        for (let i = 0; i < items.length; i++) {
          args[2 * i] = items[i]!.json;
          args[2 * i + 1] = items[i]!.id;
        }
        return this.outcomes(stream, items, await this.scripts.publishMany(1, stream, ...args));
      }, MAX_BATCH);
      this.plain.set(stream, batcher);
    }
    return batcher.add({ json, id });
  }

  /** The entry id, or "" for a duplicate. */
  publishOnce(stream: string, item: Once): Promise<string> {
    let batcher = this.once.get(stream);
    if (!batcher) {
      batcher = new TurnBatcher(async (items) => {
        const args: Array<string | number> = items.map((i) => i.dedupKey);
        for (const i of items) args.push(i.ttlMs, i.json, i.id);
        const results = await this.scripts.publishOnceMany(1 + items.length, stream, ...args);
        return this.outcomes(stream, items, results);
      }, MAX_BATCH);
      this.once.set(stream, batcher);
    }
    return batcher.add(item);
  }

  private outcomes(
    stream: string,
    items: readonly Plain[],
    results: readonly string[],
  ): Array<string | Error> {
    let added = 0;
    const out: Array<string | Error> = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const o = outcome(results[i] ?? "ERR no answer", items[i]!.id);
      if (typeof o === "string" && o !== "") added++;
      out[i] = o;
    }
    if (added > 0) this.onPublished(stream, added);
    return out;
  }

  /** Sends what this turn gathered now (before the connection closes). */
  flush(): void {
    for (const b of this.plain.values()) b.flush();
    for (const b of this.once.values()) b.flush();
  }
}
