import { existsSync, readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { signSlackRequest } from "../../src/ingress/signature.js";

export const SECRET = "chaos-signing-secret";
const RUN = Date.now().toString(36);
let seq = 0;

/** A fresh Events API event id, unique in this run. */
export const eventId = (tag: string) => `Ev${tag}${RUN}x${++seq}`;

export function eventBody(id: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    token: "chaos",
    team_id: "T0CHAOS",
    api_app_id: "A0CHAOS",
    type: "event_callback",
    event_id: id,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: "app_mention",
      user: "U1",
      text: "chaos",
      ts: "1700000000.000100",
      channel: "C1",
      ...extra,
    },
  });
}

export interface Answer {
  /** The HTTP status, or "error" (refused, reset), "timeout", or "closed" (no answer: raw requests). */
  status: number | "error" | "timeout" | "closed";
  ms: number;
}

const agents = new Map<number, Agent>();
/**
 * A keep-alive agent with `sockets` connections at most (Slack reuses connections, and opens as many
 * as it needs: enough that no request waits for a free connection here, which would be counted as
 * the server's answer time).
 */
export function agent(sockets = 256): Agent {
  let a = agents.get(sockets);
  if (!a) {
    a = new Agent({ keepAlive: true, maxSockets: sockets });
    agents.set(sockets, a);
  }
  return a;
}

export function closeAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

/** One HTTP request; never rejects. `agent: false` opens a connection of its own. */
export function send(
  url: string,
  options: {
    method?: string;
    path?: string;
    headers?: Record<string, string | string[]>;
    body?: string | Buffer;
    timeoutMs?: number;
    agent?: Agent | false;
  } = {},
): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: Answer["status"]) => {
      if (settled) return;
      settled = true;
      resolve({ status, ms: performance.now() - started });
    };
    const req = request(
      `${url}${options.path ?? "/slack/events"}`,
      {
        method: options.method ?? "POST",
        headers: options.headers ?? {},
        agent: options.agent ?? agent(),
        timeout: options.timeoutMs ?? 5000,
      },
      (res) => {
        res.resume();
        res.on("end", () => done(res.statusCode ?? "error"));
        res.on("error", () => done("error"));
      },
    );
    req.on("timeout", () => {
      done("timeout");
      req.destroy();
    });
    req.on("error", () => done("error"));
    req.end(options.body);
  });
}

export function signedHeaders(
  body: string | Buffer,
  secret = SECRET,
  timestamp?: number,
): Record<string, string> {
  const { timestamp: ts, signature } = signSlackRequest(secret, body, timestamp);
  return {
    "content-type": "application/json",
    "x-slack-request-timestamp": ts,
    "x-slack-signature": signature,
  };
}

/** What was sent and answered, and which event ids got a 2xx (acked: they must be handled). */
export class Ledger {
  requests = 0;
  readonly statuses = new Map<string, number>();
  readonly acked = new Set<string>();
  /** Answer times of 2xx and 503 answers (what Slack waits on). */
  readonly latencies: number[] = [];

  note(id: string | null, answer: Answer): void {
    this.requests++;
    const key = String(answer.status);
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
    if (typeof answer.status === "number") this.latencies.push(answer.ms);
    if (id !== null && typeof answer.status === "number" && answer.status >= 200 && answer.status < 300)
      this.acked.add(id);
  }

  count(status: number | string): number {
    return this.statuses.get(String(status)) ?? 0;
  }

  maxLatency(): number {
    return this.latencies.reduce((a, b) => Math.max(a, b), 0);
  }

  statusText(): string {
    return [...this.statuses]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([s, n]) => `${s}:${n}`)
      .join(" ");
  }
}

/** Slack's retries, compressed: it retries 3 times (at once, after 1 min, after 5 min). */
export const SLACK_RETRIES_MS = [300, 1000, 3000];

/**
 * Delivers one event as Slack would: tries, then retries with X-Slack-Retry-Num until a 2xx or the
 * retries run out. `target()` picks the URL of each try (gateways may come and go).
 */
export async function deliver(
  ledger: Ledger,
  target: () => string,
  id: string,
  body: string,
  options: { retriesMs?: readonly number[]; timeoutMs?: number } = {},
): Promise<boolean> {
  const retries = options.retriesMs ?? SLACK_RETRIES_MS;
  for (let attempt = 0; ; attempt++) {
    const headers = signedHeaders(body);
    if (attempt > 0) {
      headers["x-slack-retry-num"] = String(attempt);
      headers["x-slack-retry-reason"] = "http_error";
    }
    const answer = await send(target(), { headers, body, timeoutMs: options.timeoutMs ?? 3000 });
    ledger.note(id, answer);
    if (typeof answer.status === "number" && answer.status >= 200 && answer.status < 300) return true;
    if (attempt >= retries.length) return false;
    await sleep(retries[attempt]!);
  }
}

/** Events at `perSecond` for `seconds`, each delivered with Slack's retries; resolves when all are done. */
export async function steadyLoad(
  ledger: Ledger,
  target: () => string,
  options: { perSecond: number; seconds: number; tag: string; onTick?: (elapsedMs: number) => void },
): Promise<void> {
  const deliveries: Promise<boolean>[] = [];
  const started = performance.now();
  const total = Math.round(options.perSecond * options.seconds);
  for (let i = 0; i < total; i++) {
    const due = (i / options.perSecond) * 1000;
    const wait = due - (performance.now() - started);
    if (wait > 0) await sleep(wait);
    options.onTick?.(performance.now() - started);
    const id = eventId(options.tag);
    deliveries.push(deliver(ledger, target, id, eventBody(id)));
  }
  await Promise.all(deliveries);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** How many times each event id was handled to completion (lines of chaos/handlers.ts). */
export function handledCounts(file: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(file)) return counts;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line) continue;
    const id = line.split(" ")[0]!;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Waits until every acked id was handled, or `timeoutMs` passed; then counts. */
export async function settle(
  ledger: Ledger,
  file: string,
  timeoutMs = 20_000,
): Promise<{ handled: number; lost: number; doubled: number; unexpected: number }> {
  const deadline = Date.now() + timeoutMs;
  let counts = handledCounts(file);
  while ([...ledger.acked].some((id) => !counts.has(id)) && Date.now() < deadline) {
    await sleep(200);
    counts = handledCounts(file);
  }
  // A moment more, so a late second run of a handler is counted too.
  await sleep(500);
  counts = handledCounts(file);
  let lost = 0;
  for (const id of ledger.acked) if (!counts.has(id)) lost++;
  let doubled = 0;
  let unexpected = 0;
  for (const [id, n] of counts) {
    if (n > 1) doubled++;
    if (!ledger.acked.has(id)) unexpected++;
  }
  return { handled: counts.size, lost, doubled, unexpected };
}
