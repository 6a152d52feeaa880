import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { type Envelope, envelopeAroundRawBody } from "../envelope/envelope.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics, RejectReason } from "../observability/metrics.js";
import type { QueueBackend } from "../queue/types.js";
import { type BodyFormat, bodyFormat, type ParsedRequest, parseSlackBody } from "./parse.js";
import type { IngressPublisher, PublishOutcome } from "./publisher.js";
import { checkSlackSignature, SigningKey } from "./signature.js";

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const EVENTS_PATH = "/slack/events";

/** Serves a path the ingress does not own (for example /mcp); resolves true when it answered. */
export type ExtraRoute = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
) => boolean | Promise<boolean>;

export interface IngressOptions {
  backend: QueueBackend;
  publisher: IngressPublisher;
  /** Several secrets are accepted at once while a secret is rotated. */
  signingSecrets: readonly string[];
  metrics: Metrics;
  logger: Logger;
  maxBodyBytes?: number;
  /** Seconds Slack is asked to wait after a 503. */
  retryAfterSeconds?: number;
  extraRoutes?: ExtraRoute;
}

const EMPTY_OK = { "content-length": "0" } as const;

const REJECT_STATUS: Record<RejectReason, number> = {
  method: 405,
  not_found: 404,
  content_type: 415,
  too_large: 413,
  signature_missing: 401,
  signature_stale: 401,
  signature_mismatch: 401,
  malformed: 400,
};

/** The request handler: verify -> parse -> url_verification/ssl_check -> dedup + publish -> answer. */
export function createIngressHandler(
  options: IngressOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { backend, publisher, metrics, logger, signingSecrets } = options;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const retryAfter = String(options.retryAfterSeconds ?? 5);
  if (signingSecrets.length === 0) throw new Error("at least one Slack signing secret is required");
  const signingKeys = signingSecrets.map((secret) => new SigningKey(secret));

  // Label children resolved once: the hot path only increments.
  const accepted = metrics.requests.labels("accepted", "");
  const duplicate = metrics.requests.labels("duplicate", "");
  const unavailable = metrics.requests.labels("unavailable", "");
  const ackSeconds = metrics.ackSeconds;

  const reject = (
    res: ServerResponse,
    reason: RejectReason,
    detail: string,
    extra?: Record<string, string>,
  ) => {
    metrics.requests.labels("rejected", reason).inc();
    const body = `${detail}\n`;
    res.writeHead(REJECT_STATUS[reason], {
      "content-type": "text/plain; charset=utf-8",
      "content-length": Buffer.byteLength(body),
      "x-slack-no-retry": "1",
      ...extra,
    });
    res.end(body);
  };

  const respond = (res: ServerResponse, status: number, body = "", type = "text/plain; charset=utf-8") => {
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
    res.end(body);
  };

  // A publish that is done within the turn its request arrived in (the memory backend) has its 200
  // written with the others of that turn, in the check phase, once every request the poll phase read
  // was handled: answering each as it resolves, between reads, cost a third of the throughput. A
  // publish that completes in a later phase (a SQLite group commit, a Redis reply) is answered at
  // once: waiting for the next turn's flush would only add a loop iteration of latency.
  let acks: Array<{ res: ServerResponse; started: number }> = [];
  let flushPending = false;
  const ok = (res: ServerResponse, started: number) => {
    // An empty 200 is all Slack wants: no body, so no content type either.
    res.writeHead(200, EMPTY_OK);
    res.end();
    ackSeconds.observe((performance.now() - started) / 1000);
  };
  const flushAcks = () => {
    flushPending = false;
    const batch = acks;
    acks = [];
    for (const { res, started } of batch) ok(res, started);
  };
  /** Called as a delivery starts: a flush at the end of this turn collects what resolves by then. */
  const expectAck = () => {
    if (flushPending) return;
    flushPending = true;
    setImmediate(flushAcks);
  };
  const ack = (res: ServerResponse, started: number) => {
    if (flushPending) acks.push({ res, started });
    else ok(res, started);
  };

  // An outage fails every request: one warning per few seconds (with a count), not one per request.
  let lastWarnAt = 0;
  let unwarned = 0;
  const warnPublishFailed = (id: string, err: unknown) => {
    const now = Date.now();
    if (now - lastWarnAt < 5000) {
      unwarned++;
      return;
    }
    logger.warn(
      { id, err: (err as Error).message, failures_since_last_warning: unwarned },
      "publish failed; answering 503 so Slack retries",
    );
    lastWarnAt = now;
    unwarned = 0;
  };

  const published =
    (res: ServerResponse, started: number, envelope: Envelope) => (outcome: PublishOutcome) => {
      (outcome === "published" ? accepted : duplicate).inc();
      ack(res, started);
      if (logger.isLevelEnabled("debug"))
        logger.debug({ id: envelope.id, kind: envelope.kind, outcome }, "slack request");
    };

  const failed = (res: ServerResponse, started: number, id: string) => (err: unknown) => {
    metrics.publishFailures.inc();
    unavailable.inc();
    warnPublishFailed(id, err);
    res.writeHead(503, { "retry-after": retryAfter, "content-type": "text/plain; charset=utf-8" });
    res.end("queue unavailable\n");
    ackSeconds.observe((performance.now() - started) / 1000);
  };

  const deliver = (
    res: ServerResponse,
    parsed: Extract<ParsedRequest, { type: "delivery" }>,
    req: IncomingMessage,
    started: number,
    text: string,
    format: BodyFormat,
  ) => {
    const retryNum = req.headers["x-slack-retry-num"];
    const retryReason = req.headers["x-slack-retry-reason"];
    const meta = {
      id: parsed.id,
      kind: parsed.kind,
      received_at: Date.now(),
      retry_num: typeof retryNum === "string" ? Number.parseInt(retryNum, 10) || 0 : 0,
      retry_reason: typeof retryReason === "string" ? retryReason : null,
      team_id: parsed.teamId,
    };
    // A JSON body is stored as it came; a form body becomes JSON here.
    const envelope: Envelope =
      format === "json"
        ? envelopeAroundRawBody(meta, parsed.body, text)
        : { v: 1, ...meta, body: parsed.body };
    expectAck();
    publisher.publish(envelope).then(published(res, started, envelope), failed(res, started, envelope.id));
  };

  const onBody = (
    req: IncomingMessage,
    res: ServerResponse,
    raw: Buffer,
    format: BodyFormat,
    started: number,
  ) => {
    const failure = checkSlackSignature(signingKeys, {
      timestamp: req.headers["x-slack-request-timestamp"] as string | undefined,
      signature: req.headers["x-slack-signature"] as string | undefined,
      body: raw,
    });
    if (failure) return reject(res, `signature_${failure}`, "invalid or missing Slack signature");
    const text = raw.toString("utf8");
    const parsed = parseSlackBody(format, text);
    switch (parsed.type) {
      case "malformed":
        return reject(res, "malformed", `malformed body: ${parsed.reason}`);
      case "url_verification":
        metrics.requests.labels("url_verification", "").inc();
        return respond(res, 200, parsed.challenge);
      case "ssl_check":
        metrics.requests.labels("ssl_check", "").inc();
        return respond(res, 200);
      case "delivery":
        return deliver(res, parsed, req, started, text, format);
    }
  };

  const events = (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    if (req.method !== "POST") return reject(res, "method", "use POST", { allow: "POST" });
    const format = bodyFormat(req.headers["content-type"]);
    if (!format)
      return reject(res, "content_type", "expected application/json or application/x-www-form-urlencoded");
    const declared = Number(req.headers["content-length"] ?? 0);
    const tooLarge = () => {
      // Stop reading; close the connection after answering rather than draining a huge body.
      reject(res, "too_large", `body over ${maxBody} bytes`, { connection: "close" });
      req.resume();
    };
    if (declared > maxBody) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      if (size > maxBody) return;
      size += chunk.length;
      if (size > maxBody) return tooLarge();
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > maxBody) return;
      onBody(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), format, started);
    });
    req.on("error", () => res.destroy());
  };

  return (req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    if (path === EVENTS_PATH) return events(req, res);
    if (path === "/healthz" && req.method === "GET") return respond(res, 200, "ok\n");
    if (path === "/readyz" && req.method === "GET") {
      backend.ping().then(
        () => respond(res, 200, "ready\n"),
        (err: Error) => respond(res, 503, `queue backend ${backend.name} unreachable: ${err.message}\n`),
      );
      return;
    }
    if (path === "/metrics" && req.method === "GET") {
      metrics.registry.metrics().then(
        (text) => respond(res, 200, text, metrics.registry.contentType),
        () => respond(res, 500, "metrics unavailable\n"),
      );
      return;
    }
    const extra = options.extraRoutes?.(req, res, path);
    if (extra === true) return;
    if (extra && typeof extra === "object") {
      extra.then(
        (handled) => {
          if (!handled) reject(res, "not_found", "not found");
        },
        () => respond(res, 500, "internal error\n"),
      );
      return;
    }
    reject(res, "not_found", "not found");
  };
}

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on host:port (port 0 picks a free one) and resolves once listening. */
export function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  port: number,
  host: string,
): Promise<RunningServer> {
  const server = createServer({ keepAliveTimeout: 65_000 }, handler);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
      resolve({
        server,
        port: address.port,
        url: `http://${shownHost}:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
