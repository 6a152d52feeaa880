import type { Envelope } from "../../src/envelope/envelope.js";
import { MemoryQueue } from "../../src/queue/backends/memory.js";

/** A real memory queue that also remembers what was published, and can be told to fail publishes. */
export class RecordingQueue extends MemoryQueue {
  readonly published: Envelope[] = [];
  failPublishes = false;

  override async publish(topic: string, message: Envelope): Promise<string> {
    if (this.failPublishes) throw new Error("simulated outage");
    const id = await super.publish(topic, message);
    this.published.push(message);
    return id;
  }

  override async publishOnce(topic: string, message: Envelope, ttlSeconds: number): Promise<string | null> {
    if (this.failPublishes) throw new Error("simulated outage");
    const id = await super.publishOnce(topic, message, ttlSeconds);
    if (id !== null) this.published.push(message);
    return id;
  }

  override async ping(): Promise<void> {
    if (this.failPublishes) throw new Error("simulated outage");
    return super.ping();
  }
}
