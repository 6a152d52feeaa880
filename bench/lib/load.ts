import { randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";
import { signSlackRequest } from "../../src/ingress/signature.js";
import { quantile } from "./stats.js";

export interface LoadResult {
  eventsPerSecond: number;
  p50: number;
  p99: number;
  /** The slowest answer (ms). */
  max: number;
  non2xx: number;
  errors: number;
  total: number;
  /** Body bytes of the 2xx answers, all together (a chunked body counts its chunk framing too). */
  bodyBytes: number;
  /** 2xx answers with an empty body. */
  emptyBodies: number;
}

/** The content types `drive` sends: Events API bodies are JSON; interactions and commands are forms. */
export const JSON_BODY = "application/json";
export const FORM_BODY = "application/x-www-form-urlencoded";
export type BodyType = typeof JSON_BODY | typeof FORM_BODY;

/** One Events API body with a unique event_id. */
export function eventBody(i: number): string {
  return JSON.stringify({
    token: "bench",
    team_id: "T0BENCH",
    api_app_id: "A0BENCH",
    type: "event_callback",
    event_id: `Ev${randomUUID().replaceAll("-", "").slice(0, 16)}`,
    event_time: 1700000000 + i,
    event: {
      type: "app_mention",
      user: "U0BENCH",
      text: `<@U0BOT> event ${i}`,
      ts: `1700000000.${i}`,
      channel: "C0BENCH",
    },
  });
}

/** Unique Events API bodies, made once and sent to every target in the same order. */
export function makeEvents(count: number): string[] {
  return Array.from({ length: count }, (_, i) => eventBody(i));
}

/** One whole HTTP/1.1 request as bytes. */
function renderRequest(url: URL, secret: string, body: string, type: BodyType = JSON_BODY): Buffer {
  const { timestamp, signature } = signSlackRequest(secret, body);
  return Buffer.from(
    `POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: ${type}\r\n` +
      `x-slack-request-timestamp: ${timestamp}\r\nx-slack-signature: ${signature}\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * Reads one response off `buffer`; returns its status, its length and its body's length, or null
 * when it is not complete yet.
 */
function parseResponse(buffer: Buffer): { status: number; length: number; body: number } | null {
  const headerEnd = buffer.indexOf("\r\n\r\n");
  if (headerEnd === -1) return null;
  const head = buffer.toString("latin1", 0, headerEnd).toLowerCase();
  const status = Number(head.slice(9, 12));
  const lengthMatch = /content-length: *(\d+)/.exec(head);
  if (lengthMatch) {
    const body = Number(lengthMatch[1]);
    const length = headerEnd + 4 + body;
    return buffer.length >= length ? { status, length, body } : null;
  }
  if (head.includes("transfer-encoding: chunked")) {
    const end = buffer.indexOf("0\r\n\r\n", headerEnd + 4);
    return end === -1 ? null : { status, length: end + 5, body: end - headerEnd - 4 };
  }
  return { status, length: headerEnd + 4, body: 0 };
}

/**
 * Sends every body once over `connections` keep-alive connections (one request in flight on each)
 * and measures throughput and latency. The requests are signed before the clock starts. Raw sockets
 * rather than an HTTP client library: the generator must cost far less than the servers it measures
 * on a two-core machine. The bodies are Events API JSON unless `type` says they are forms.
 */
export async function drive(
  target: string,
  secret: string,
  bodies: string[],
  connections: number,
  type: BodyType = JSON_BODY,
): Promise<LoadResult> {
  const url = new URL(target);
  const requests = bodies.map((body) => renderRequest(url, secret, body, type));
  const result = await run(url, connections, requests.length, (i) =>
    i < requests.length ? requests[i]! : null,
  );
  // Requests never sent (every connection failed) count as errors too.
  return { ...result, errors: result.errors + requests.length - result.sent };
}

/**
 * Saturates `target` for `seconds` with new unique requests, made and signed as they are sent (a
 * minute of them would not fit in memory made in advance). Latencies are those of the first
 * `sampleCapacity` requests.
 */
export function driveFor(
  target: string,
  secret: string,
  seconds: number,
  connections: number,
  sampleCapacity = 2_000_000,
): Promise<LoadResult & { sent: number }> {
  const url = new URL(target);
  const until = performance.now() + seconds * 1000;
  return run(url, connections, sampleCapacity, (i) =>
    performance.now() < until ? renderRequest(url, secret, eventBody(i)) : null,
  );
}

/** `nextRequest(i)` gives the i-th request, or null when there are no more. */
async function run(
  url: URL,
  connections: number,
  sampleCapacity: number,
  nextRequest: (i: number) => Buffer | null,
): Promise<LoadResult & { sent: number }> {
  const latencies = new Float64Array(sampleCapacity);
  let next = 0;
  let sent = 0;
  let done = 0;
  let non2xx = 0;
  let errors = 0;
  let bodyBytes = 0;
  let emptyBodies = 0;
  const started = performance.now();

  const runConnection = () =>
    new Promise<void>((resolve) => {
      const socket: Socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true });
      let pending: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      let index = -1;
      const sendNext = () => {
        const request = nextRequest(next);
        if (request === null) {
          socket.end();
          return resolve();
        }
        index = next++;
        sent++;
        sentAt = performance.now();
        socket.write(request);
      };
      socket.on("connect", sendNext);
      socket.on("data", (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        const response = parseResponse(pending);
        if (!response) return;
        pending = pending.subarray(response.length);
        if (index < sampleCapacity) latencies[index] = performance.now() - sentAt;
        done++;
        if (response.status < 200 || response.status >= 300) non2xx++;
        else if (response.body === 0) emptyBodies++;
        else bodyBytes += response.body;
        sendNext();
      });
      socket.on("error", () => {
        errors++;
        resolve();
      });
    });

  await Promise.all(Array.from({ length: connections }, runConnection));
  const seconds = (performance.now() - started) / 1000;
  const measured = latencies.slice(0, Math.min(done, sampleCapacity)).sort();
  return {
    eventsPerSecond: (done - non2xx) / seconds,
    p50: quantile(measured, 0.5),
    p99: quantile(measured, 0.99),
    max: measured[measured.length - 1] ?? Number.NaN,
    non2xx,
    errors: errors + (sent - done),
    total: done,
    bodyBytes,
    emptyBodies,
    sent,
  };
}
