import type { IncomingMessage, ServerResponse } from "node:http";
import type { LiveState, Snapshot } from "./api-types.js";
import { sendError, streamHeaders } from "./http.js";

/** A client that stopped reading is dropped once this much is queued for it. */
const MAX_QUEUED_BYTES = 1024 * 1024;

export interface LiveStreamOptions {
  snapshot: () => Snapshot;
  /** Called when the first client connects; the function it returns when the last one leaves. */
  watch: () => () => void;
  /** Default 32. */
  maxClients?: number;
}

/**
 * Server-sent events: a `snapshot` (the charts' history and the current state) when a page connects,
 * then a `tick` every second. The state is serialised once per tick for all clients.
 */
export class LiveStream {
  private readonly clients = new Map<ServerResponse, () => void>();

  constructor(private readonly o: LiveStreamOptions) {}

  get size(): number {
    return this.clients.size;
  }

  open(req: IncomingMessage, res: ServerResponse): void {
    if (this.clients.size >= (this.o.maxClients ?? 32)) {
      sendError(res, 503, "too many dashboard streams open", { "retry-after": "5" });
      return;
    }
    res.writeHead(200, { ...streamHeaders("text/event-stream; charset=utf-8"), "x-accel-buffering": "no" });
    res.write("retry: 2000\n\n");
    res.write(frame("snapshot", JSON.stringify(this.o.snapshot())));
    this.clients.set(res, this.o.watch());
    const gone = () => this.drop(res);
    req.on("close", gone);
    res.on("error", gone);
  }

  private drop(res: ServerResponse): void {
    const unwatch = this.clients.get(res);
    if (!unwatch) return;
    this.clients.delete(res);
    unwatch();
    if (!res.writableEnded) res.end();
  }

  tick(state: LiveState): void {
    if (this.clients.size === 0) return;
    const data = frame("tick", JSON.stringify(state));
    for (const res of this.clients.keys()) {
      if (res.writableLength > MAX_QUEUED_BYTES) this.drop(res);
      else res.write(data);
    }
  }

  /** Ends every stream (a server's close() waits for open connections). */
  close(): void {
    for (const res of [...this.clients.keys()]) this.drop(res);
  }
}

/** One event; JSON.stringify's output has no newline, so it is one data line. */
const frame = (event: string, json: string) => `event: ${event}\ndata: ${json}\n\n`;
