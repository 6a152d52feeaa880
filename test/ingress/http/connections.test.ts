import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { affordableMaxConnections, limitsFromEnv } from "../../../src/ingress/http/limits.js";
import { listen, type RunningServer } from "../../../src/ingress/http/listen.js";
import { Metrics } from "../../../src/observability/metrics.js";
import { captureLogger, WARN } from "../../helpers/log-capture.js";
import { sleep, until } from "../../helpers/wait.js";

const ok = (_req: unknown, res: { end(body: string): void }) => res.end("ok");

/** One request on a connection of its own; resolves with the status, or null when refused. */
function get(url: string, timeoutMs = 1000): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request(`${url}/`, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? null));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(null));
    req.end();
  });
}

/** Opens `n` TCP connections that never send a byte; resolves once all are connected (or failed). */
async function silent(port: number, n: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve) => {
          const s = connect(port, "127.0.0.1");
          sockets.push(s);
          s.on("error", () => resolve());
          s.on("connect", () => resolve());
          s.on("close", () => resolve());
        }),
    ),
  );
  return sockets;
}

const value = async (metrics: Metrics, name: string) =>
  (await metrics.registry.getSingleMetric(name)?.get())?.values.find((v) => v.labels.listener === "slack")
    ?.value ?? 0;

describe("HTTP connection limits", () => {
  const servers: RunningServer[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it("a silent-connection flood past the limit is refused and counted, and a real client gets in within seconds", async () => {
    const metrics = new Metrics();
    const { logger, lines } = captureLogger();
    const server = await listen(ok, 0, "127.0.0.1", { maxConnections: 50, metrics, logger });
    servers.push(server);
    sockets.push(...(await silent(server.port, 300)));
    await until(async () => (await value(metrics, "slackline_connections_refused_total")) > 0);
    expect(await value(metrics, "slackline_connections")).toBeLessThanOrEqual(50);

    const started = Date.now();
    let status: number | null = null;
    while (status !== 200 && Date.now() - started < 5000) {
      status = await get(server.url);
      if (status !== 200) await sleep(100);
    }
    expect(status).toBe(200);
    // The flood's connections are shed once past their grace (1 s), not after headersTimeout (10 s).
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await value(metrics, "slackline_connections_shed_total")).toBeGreaterThan(0);
    const warnings = lines.filter((l) => l.level === WARN && /connection limit reached/.test(l.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ listener: "slack", max_connections: 50 });
  });

  it("closes a connection that sends no request after headersTimeout", async () => {
    const server = await listen(ok, 0, "127.0.0.1", { headersTimeoutMs: 300, requestTimeoutMs: 300 });
    servers.push(server);
    const [socket] = await silent(server.port, 1);
    sockets.push(socket!);
    socket!.resume();
    const started = Date.now();
    await new Promise((resolve) => socket!.once("close", resolve));
    // The timeouts are swept every second.
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it("near the limit, idle keep-alive connections are closed first", async () => {
    const metrics = new Metrics();
    const server = await listen(ok, 0, "127.0.0.1", { maxConnections: 20, metrics });
    servers.push(server);
    // A keep-alive connection that made one request and now idles.
    const idle = connect(server.port, "127.0.0.1");
    sockets.push(idle);
    idle.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await new Promise((resolve) => idle.once("data", resolve));
    const idleClosed = new Promise((resolve) => idle.once("close", resolve));
    // Fresh connections within their grace are kept; pressure lands on the idle one.
    sockets.push(...(await silent(server.port, 18)));
    await idleClosed;
    expect(await value(metrics, "slackline_connections_shed_total")).toBe(0);
  });

  it("reads its limits from the environment, and keeps the connection limit under the open-file limit", () => {
    expect(limitsFromEnv({})).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 65_000,
      maxConnections: 1000,
    });
    expect(
      limitsFromEnv({
        HTTP_HEADERS_TIMEOUT_MS: "2000",
        HTTP_REQUEST_TIMEOUT_MS: "5000",
        HTTP_MAX_CONNECTIONS: "7",
      }),
    ).toMatchObject({ headersTimeoutMs: 2000, requestTimeoutMs: 5000, maxConnections: 7 });
    expect(() => limitsFromEnv({ HTTP_HEADERS_TIMEOUT_MS: "60000" })).toThrow(/must not exceed/);
    expect(() => limitsFromEnv({ HTTP_MAX_CONNECTIONS: "lots" })).toThrow(/HTTP_MAX_CONNECTIONS/);
    expect(affordableMaxConnections(1000, 4096)).toEqual({ max: 1000, lowered: false });
    expect(affordableMaxConnections(1000, 1024)).toEqual({ max: 896, lowered: true });
    expect(affordableMaxConnections(0, 1024)).toEqual({ max: 896, lowered: true });
    expect(affordableMaxConnections(1000, null)).toEqual({ max: 1000, lowered: false });
  });
});
