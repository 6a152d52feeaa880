import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { signSlackRequest } from "../../src/ingress/signature.js";
import { eventually, ROOT, type Running, readRecords, spawnSlackline, tempDir } from "../helpers/cli.js";
import { eventCallback } from "../helpers/ingress.js";
import { until } from "../helpers/wait.js";

const SECRET = "ops-port-secret";
const HANDLERS = join(ROOT, "test/fixtures/recording-handlers.ts");

/** The ops listener's URL, once the process logged it. */
const opsUrl = (app: Running) =>
  eventually(
    () => /"ops":"(http:\/\/[^"]+)"/.exec(app.output())?.[1],
    (url) => url !== undefined,
  ) as Promise<string>;

async function post(url: string, body: string): Promise<Response> {
  const { timestamp, signature } = signSlackRequest(SECRET, body);
  return fetch(`${url}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": signature,
    },
    body,
  });
}

describe("OPS_PORT: health, readiness and metrics on a listener of their own", () => {
  const running: Running[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.kill("SIGKILL")));
  });
  const spawn = (args: string[], env: Record<string, string>) => {
    const r = spawnSlackline(args, { SLACK_SIGNING_SECRET: SECRET, PORT: "0", OPS_PORT: "0", ...env });
    running.push(r);
    return r;
  };

  it("start: the Slack-facing port serves only /slack/events; the ops port (loopback) serves the rest, with why", async () => {
    const dataDir = tempDir();
    const app = spawn(["start", "--mcp"], { SLACKLINE_DATA_DIR: dataDir });
    const slack = await app.url;
    const ops = await opsUrl(app);
    expect(new URL(ops).hostname).toBe("127.0.0.1");
    expect(new URL(ops).port).not.toBe(new URL(slack).port);

    for (const path of ["/healthz", "/readyz", "/metrics", "/mcp", "/dashboard/"])
      expect((await fetch(`${slack}${path}`)).status).toBe(404);
    expect((await post(slack, eventCallback())).status).toBe(200);

    expect(await (await fetch(`${ops}/healthz`)).text()).toBe("ok\n");
    expect(await (await fetch(`${ops}/readyz`)).text()).toBe("ready\n");
    const metrics = await (await fetch(`${ops}/metrics`)).text();
    expect(metrics).toMatch(/slackline_requests_total\{outcome="accepted",reason=""\} 1/);
    expect(metrics).toMatch(/slackline_connections\{listener="slack"\}/);
    expect((await fetch(`${ops}/slack/events`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`${ops}/dashboard/`)).status).toBe(200);
    // The MCP server moved with the ops endpoints, away from the port exposed to Slack.
    const mcp = await fetch(`${ops}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      }),
    });
    expect(mcp.status).toBe(200);
  }, 30_000);

  it("a standalone worker serves health and its handler metrics on OPS_PORT", async () => {
    const dataDir = tempDir();
    const records = join(dataDir, "records.jsonl");
    const env = { SLACKLINE_DATA_DIR: dataDir, RECORD_FILE: records };
    const gateway = spawn(["gateway"], { ...env, OPS_PORT: "" });
    const worker = spawn(["worker", "--handlers", HANDLERS], env);
    const slack = await gateway.url;
    const ops = await opsUrl(worker);
    expect((await fetch(`${slack}/healthz`)).status).toBe(200);
    expect((await fetch(`${ops}/healthz`)).status).toBe(200);
    expect((await fetch(`${ops}/readyz`)).status).toBe(200);

    const body = eventCallback();
    const id = (JSON.parse(body) as { event_id: string }).event_id;
    expect((await post(slack, body)).status).toBe(200);
    await eventually(
      () => readRecords(records).filter((r) => r.id === id && r.phase === "done"),
      (r) => r.length > 0,
    );
    // The handler's metrics and the delivery's ack, as the worker counts them.
    let metrics = "";
    await until(async () => {
      metrics = await (await fetch(`${ops}/metrics`)).text();
      return /slackline_deliveries_total\{group="default",result="acked"\} 1/.test(metrics);
    });
    expect(metrics).toMatch(/slackline_handler_seconds_count\{route="app_mention",outcome="ok"\} [1-9]/);
  }, 30_000);

  it("a worker without OPS_PORT listens nowhere", async () => {
    const dataDir = tempDir();
    const worker = spawn(["worker", "--handlers", HANDLERS], {
      SLACKLINE_DATA_DIR: dataDir,
      RECORD_FILE: join(dataDir, "r.jsonl"),
      OPS_PORT: "",
    });
    await eventually(worker.output, (out) => /worker consuming/.test(out));
    expect(worker.output()).not.toMatch(/"ops":/);
  }, 30_000);
});
