import { LogLevel, SocketModeClient } from "@slack/socket-mode";
import { WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { FakeSlack } from "../../src/testing/fake-slack.js";
import { SocketModeServer } from "../../src/testing/socket-mode/index.js";
import { until } from "../helpers/wait.js";

/** A raw protocol client: every text frame it got, parsed. */
class RawClient {
  readonly frames: Array<Record<string, unknown>> = [];
  readonly ws: WebSocket;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on("message", (data) => this.frames.push(JSON.parse(data.toString())));
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      this.ws.once("error", reject);
    });
  }

  async next(type?: string): Promise<Record<string, unknown>> {
    const find = () => this.frames.find((f) => type === undefined || f.type === type);
    await until(() => find() !== undefined, 3000);
    const frame = find()!;
    this.frames.splice(this.frames.indexOf(frame), 1);
    return frame;
  }

  ack(envelopeId: unknown, payload?: Record<string, unknown>): void {
    this.ws.send(JSON.stringify({ envelope_id: envelopeId, ...(payload ? { payload } : {}) }));
  }
}

describe("SocketModeServer (the Socket Mode stand-in)", () => {
  let slack: FakeSlack;
  let stand: SocketModeServer;
  const clients: RawClient[] = [];
  beforeEach(async () => {
    slack = await FakeSlack.start();
    stand = await SocketModeServer.start({ slack, ackTimeoutMs: 200, maxRetries: 2, pingIntervalMs: null });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    await stand.close();
    await slack.close();
  });

  const connect = async () => {
    const web = new WebClient(stand.appToken, { slackApiUrl: slack.apiUrl });
    const { url } = await web.apps.connections.open({});
    const client = new RawClient(url!);
    clients.push(client);
    await client.opened;
    return { client, url: url! };
  };

  it("the docs' example: the official client against the stand-in, a command's reply in the ack", async () => {
    const client = new SocketModeClient({
      appToken: stand.appToken,
      clientOptions: { slackApiUrl: slack.apiUrl },
      logLevel: LogLevel.ERROR,
    });
    client.on("slash_commands", ({ ack, body }) => ack({ text: `Deploying ${body.text}` }));
    await client.start();
    try {
      const delivery = stand.command({ command: "/deploy", text: "api", trigger_id: "t1" });
      expect((await delivery.acked).payload).toEqual({ text: "Deploying api" });
    } finally {
      await client.disconnect();
    }
  });

  it("apps.connections.open on the fake Slack takes only the app token", async () => {
    const call = (token: string) =>
      new WebClient(token, { slackApiUrl: slack.apiUrl }).apps.connections.open({}).catch((e) => e.data);
    expect(await call(stand.appToken)).toMatchObject({
      ok: true,
      url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/),
    });
    expect(await call(slack.token)).toMatchObject({ ok: false, error: "not_allowed_token_type" });
    expect(await call("xapp-1-wrong")).toMatchObject({ ok: false, error: "invalid_auth" });
    slack.failNext("apps.connections.open", "invalid_auth");
    expect(await call(stand.appToken)).toMatchObject({ ok: false, error: "invalid_auth" });
    expect(slack.callsTo("apps.connections.open")).toHaveLength(4);
  });

  it("says hello; a URL works once", async () => {
    const { client, url } = await connect();
    expect(await client.next("hello")).toMatchObject({
      type: "hello",
      num_connections: 1,
      connection_info: { app_id: stand.appId },
    });
    const again = new RawClient(url);
    clients.push(again);
    await expect(again.opened).rejects.toThrow("HTTP 401");
  });

  it("pushes envelopes with envelope_id, accepts_response_payload and retry fields; records acks with payloads", async () => {
    const { client } = await connect();
    await client.next("hello");
    const command = stand.command({ command: "/deploy", text: "api", trigger_id: "t1" });
    const frame = await client.next("slash_commands");
    expect(frame).toMatchObject({
      type: "slash_commands",
      accepts_response_payload: true,
      retry_attempt: 0,
      retry_reason: "",
      payload: { command: "/deploy", text: "api" },
    });
    client.ack(frame.envelope_id, { text: "Deploying" });
    const ack = await command.acked;
    expect(ack).toMatchObject({
      envelope_id: frame.envelope_id,
      payload: { text: "Deploying" },
      connection: 1,
    });
    stand.event({ type: "event_callback", event_id: "Ev1", event: { type: "app_mention" } });
    const event = await client.next("events_api");
    expect(event.accepts_response_payload).toBe(false);
    client.ack(event.envelope_id);
    await until(() => stand.acks.length === 2);
    expect(stand.acks[1]!.payload).toBeUndefined();
  });

  it("redelivers an unacked envelope (new envelope_id, retry_attempt + 1, reason timeout), then gives up", async () => {
    const { client } = await connect();
    await client.next("hello");
    const delivery = stand.event({ type: "event_callback", event_id: "Ev2", event: { type: "app_mention" } });
    const first = await client.next("events_api");
    const second = await client.next("events_api");
    expect(second.envelope_id).not.toBe(first.envelope_id);
    expect([second.retry_attempt, second.retry_reason]).toEqual([1, "timeout"]);
    const third = await client.next("events_api");
    expect(third.retry_attempt).toBe(2);
    await expect(delivery.acked).rejects.toThrow(/not acked after 3 deliveries/);
    expect(delivery.gaveUp).toBe(true);
    expect(delivery.attempts.map((a) => a.retry_attempt)).toEqual([0, 1, 2]);
  });

  it("an ack of an earlier attempt still counts; an envelope sent with no connection waits for one", async () => {
    const delivery = stand.interaction({ type: "block_actions", trigger_id: "t2" });
    const { client } = await connect();
    const frame = await client.next("interactive");
    client.ack(frame.envelope_id);
    expect((await delivery.acked).envelope_id).toBe(frame.envelope_id);
  });

  it("disconnect sends Slack's message, drop closes without a close frame, freeze stops pongs", async () => {
    const { client } = await connect();
    await client.next("hello");
    expect(stand.disconnect("refresh_requested")).toBe(1);
    expect(await client.next("disconnect")).toMatchObject({
      type: "disconnect",
      reason: "refresh_requested",
    });

    const pongs = { n: 0 };
    client.ws.on("pong", () => pongs.n++);
    client.ws.ping();
    await until(() => pongs.n === 1);
    stand.freeze();
    client.ws.ping();
    await new Promise((r) => setTimeout(r, 100));
    expect(pongs.n).toBe(1);

    const closed = new Promise<number>((resolve) => client.ws.once("close", (code) => resolve(code)));
    stand.drop();
    expect(await closed).toBe(1006);
    await until(() => stand.connections().length === 0);
  });
});
