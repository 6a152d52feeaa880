import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signSlackRequest } from "../../src/ingress/signature.js";
import {
  eventually,
  ROOT,
  type Running,
  readRecords,
  runSlackline,
  spawnSlackline,
  tempDir,
} from "../helpers/cli.js";

const SECRET = "e2e-signing-secret";
const HANDLERS = join(ROOT, "test/fixtures/recording-handlers.ts");
const PAYLOADS = join(ROOT, "examples/payloads");

/** Which routes each example must run (Slack's subscriptions: a bot_message in a channel is both). */
const EXPECTED: Record<string, string[]> = {
  "app_mention.json": ["app_mention", "app_mention:sibling"],
  "message_channel.json": ["message.channels"],
  "message_im.json": ["message.im"],
  "bot_message.json": ["message.bot_message", "message.channels"],
  "reaction_added.json": ["reaction_added"],
  "block_actions.json": ["block_actions"],
  "slash_command.json": ["/deploy"],
};

function environment(dataDir: string, recordFile: string): Record<string, string> {
  return {
    SLACK_SIGNING_SECRET: SECRET,
    SLACKLINE_DATA_DIR: dataDir,
    RECORD_FILE: recordFile,
    QUEUE_BACKEND: "sqlite",
    PORT: "0",
    RETRY_BASE_MS: "50",
    RETRY_CAP_MS: "200",
    MAX_ATTEMPTS: "3",
  };
}

const doneRoutes = (file: string, id?: string) =>
  readRecords(file)
    .filter((r) => r.phase === "done" && (!id || r.id === id))
    .map((r) => (r.tag ? `${r.route}:${r.tag}` : r.route))
    .sort();

/** A payload with fresh ids so each test's events are its own. */
function freshPayload(name: string, text?: string): { body: Record<string, unknown>; id: string } {
  const body = JSON.parse(readFileSync(join(PAYLOADS, name), "utf8")) as Record<string, unknown>;
  const suffix = Math.random().toString(36).slice(2, 10).toUpperCase();
  if (typeof body.event_id === "string") body.event_id = `Ev${suffix}`;
  if (typeof body.trigger_id === "string") body.trigger_id = `trig.${suffix}`;
  if (text !== undefined) {
    if (body.event) (body.event as Record<string, unknown>).text = text;
    else body.text = text;
  }
  return { body, id: (body.event_id ?? body.trigger_id) as string };
}

async function postRaw(url: string, json: Record<string, unknown>, headers: Record<string, string> = {}) {
  const isCommand = typeof json.command === "string";
  const isInteraction = !json.event && !isCommand;
  const body = isCommand
    ? new URLSearchParams(json as Record<string, string>).toString()
    : isInteraction
      ? new URLSearchParams({ payload: JSON.stringify(json) }).toString()
      : JSON.stringify(json);
  const { timestamp, signature } = signSlackRequest(SECRET, body);
  return fetch(`${url}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": isCommand || isInteraction ? "application/x-www-form-urlencoded" : "application/json",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": signature,
      ...headers,
    },
    body,
  });
}

describe("slackline start, end to end (child process, SQLite, real HTTP)", () => {
  const dataDir = tempDir();
  const records = join(dataDir, "records.jsonl");
  const env = environment(dataDir, records);
  let app: Running;
  let url: string;

  beforeAll(async () => {
    app = spawnSlackline(["start", "--handlers", HANDLERS], env);
    url = await app.url;
  }, 30_000);
  afterAll(async () => {
    await app?.kill("SIGTERM");
  });

  it("runs the right handlers once for every example sent with `slackline send`", async () => {
    for (const [file, routes] of Object.entries(EXPECTED)) {
      const before = doneRoutes(records).length;
      const sent = await runSlackline(
        ["send", join(PAYLOADS, file), "--url", `${url}/slack/events`, "--fresh"],
        env,
      );
      expect(sent.stdout.trim(), `${file}: ${sent.stderr}`).toMatch(/^200 OK \(queued as \S+\)$/);
      const all = await eventually(
        () => doneRoutes(records),
        (r) => r.length >= before + routes.length,
      );
      expect(all.length).toBe(before + routes.length);
    }
    await new Promise((r) => setTimeout(r, 300));
    const counts = new Map<string, number>();
    for (const r of doneRoutes(records)) counts.set(r, (counts.get(r) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({
      "/deploy": 1,
      app_mention: 1,
      "app_mention:sibling": 1,
      block_actions: 1,
      "message.bot_message": 1,
      "message.channels": 2,
      "message.im": 1,
      reaction_added: 1,
    });
  });

  it("runs the right handlers once for every example sent over raw HTTP", async () => {
    for (const [file, routes] of Object.entries(EXPECTED)) {
      const { body, id } = freshPayload(file);
      expect((await postRaw(url, body)).status).toBe(200);
      const got = await eventually(
        () => doneRoutes(records, id),
        (r) => r.length >= routes.length,
      );
      expect(got).toEqual([...routes].sort());
    }
  });

  it("the same event 4 times at once, with Slack's retry headers, runs once", async () => {
    const { body, id } = freshPayload("app_mention.json");
    const statuses = await Promise.all(
      [0, 1, 2, 3].map((n) =>
        postRaw(
          url,
          body,
          n ? { "x-slack-retry-num": String(n), "x-slack-retry-reason": "http_timeout" } : {},
        ).then((r) => r.status),
      ),
    );
    expect(statuses).toEqual([200, 200, 200, 200]);
    await eventually(
      () => doneRoutes(records, id),
      (r) => r.length >= 2,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(doneRoutes(records, id)).toEqual(["app_mention", "app_mention:sibling"]);
  });

  it("`send --times 4` of one event runs it once", async () => {
    const { body, id } = freshPayload("reaction_added.json");
    const sent = await runSlackline(
      ["send", "-", "--url", `${url}/slack/events`, "--times", "4"],
      env,
      JSON.stringify(body),
    );
    // One of the four is queued; the other three are told apart as duplicates of it.
    expect(sent.stdout.trim().split("\n").sort()).toEqual([
      `200 OK (duplicate of ${id}, nothing queued)`,
      `200 OK (duplicate of ${id}, nothing queued)`,
      `200 OK (duplicate of ${id}, nothing queued)`,
      `200 OK (queued as ${id})`,
    ]);
    await eventually(
      () => doneRoutes(records, id),
      (r) => r.length >= 1,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(doneRoutes(records, id)).toEqual(["reaction_added"]);
  });

  it("a handler that fails twice then succeeds runs 3 times; its sibling once", async () => {
    const { body, id } = freshPayload("app_mention.json", "<@U0LAN0Z89> fail-twice");
    expect((await postRaw(url, body)).status).toBe(200);
    await eventually(
      () => doneRoutes(records, id),
      (r) => r.includes("app_mention"),
    );
    await new Promise((r) => setTimeout(r, 300));
    const runs = readRecords(records).filter((r) => r.id === id && r.phase === "run");
    expect(runs.filter((r) => !r.tag).map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(runs.filter((r) => r.tag === "sibling")).toHaveLength(1);
  });

  it("a handler that always fails lands in the DLQ, and `dlq replay` brings it back", async () => {
    const { body, id } = freshPayload("app_mention.json", "<@U0LAN0Z89> always-fail");
    expect((await postRaw(url, body)).status).toBe(200);
    const runsOf = () => readRecords(records).filter((r) => r.id === id && r.phase === "run" && !r.tag);
    await eventually(runsOf, (r) => r.length === 3);
    let listed = await runSlackline(["dlq", "list"], env);
    for (let i = 0; i < 50 && !listed.stdout.includes(id); i++) {
      await new Promise((r) => setTimeout(r, 100));
      listed = await runSlackline(["dlq", "list"], env);
    }
    const entry = JSON.parse(listed.stdout.split("\n").find((l) => l.includes(id))!);
    expect(entry).toMatchObject({ event_id: id, type: "app_mention", group: "default", attempts: 3 });
    expect(entry.reason).toContain("always fails");
    const replay = await runSlackline(["dlq", "replay", "--id", entry.id], env);
    expect(replay.stdout).toContain("replayed 1");
    await eventually(runsOf, (r) => r.length === 6);
    // The sibling had succeeded: the replay does not run it again.
    expect(
      readRecords(records).filter((r) => r.id === id && r.tag === "sibling" && r.phase === "run"),
    ).toHaveLength(1);
  });

  it("`send --wait` prints the routes that ran; a second send is a duplicate, with the original's outcome", async () => {
    const { body, id } = freshPayload("app_mention.json");
    const send = () =>
      runSlackline(["send", "-", "--url", `${url}/slack/events`, "--wait", "15"], env, JSON.stringify(body));
    const first = await send();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split("\n")).toEqual([
      `200 OK (queued as ${id})`,
      "  handled by app_mention x2 (group default, attempt 1)",
    ]);
    const again = await send();
    expect(again.stdout.trim().split("\n")).toEqual([
      `200 OK (duplicate of ${id}, nothing queued)`,
      "  the original: handled by app_mention x2 (group default, attempt 1)",
    ]);
  });

  it("`send --wait` shows each failed attempt, then the dead letter, and exits 1", async () => {
    const { body, id } = freshPayload("app_mention.json", "<@U0LAN0Z89> always-fail");
    const sent = await runSlackline(
      ["send", "-", "--url", `${url}/slack/events`, "--wait", "15"],
      env,
      JSON.stringify(body),
    );
    expect(sent.code).toBe(1);
    const lines = sent.stdout.trim().split("\n");
    expect(lines[0]).toBe(`200 OK (queued as ${id})`);
    expect(lines.slice(1)).toEqual([
      "  failed (group default, attempt 1): app_mention: Error: this handler always fails; will retry",
      "  failed (group default, attempt 2): app_mention: Error: this handler always fails; will retry",
      "  dead-lettered (group default, attempt 3): app_mention: Error: this handler always fails; see slackline dlq list",
    ]);
  });

  it("/metrics reports requests, handler outcomes and queue depth", async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/slackline_requests_total\{outcome="accepted",reason=""\} \d+/);
    expect(text).toMatch(/slackline_requests_total\{outcome="duplicate",reason=""\} \d+/);
    expect(text).toMatch(/slackline_handler_seconds_count\{route="app_mention",outcome="error"\} \d+/);
    expect(text).toMatch(/slackline_dead_letters_total\{group="default"\} \d+/);
    expect(text).toMatch(/slackline_queue_depth\{topic="slack_events",group="default"\} \d+/);
  });

  it("logs carry no secret, signature or token", () => {
    const logs = app.output();
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toMatch(/v0=[0-9a-f]{64}/);
  });
});

describe("crash and shutdown (child processes, SQLite)", () => {
  it("kill -9 during a slow handler: after a restart the event is handled, once, promptly", async () => {
    const dataDir = tempDir();
    const records = join(dataDir, "records.jsonl");
    const env = { ...environment(dataDir, records), SLOW_MS: "3000" };
    const first = spawnSlackline(["start", "--handlers", HANDLERS], env);
    const url = await first.url;
    const { body, id } = freshPayload("reaction_added.json");
    (body.event as Record<string, unknown>).text = "slow";
    expect((await postRaw(url, body)).status).toBe(200);
    await eventually(
      () => readRecords(records).filter((r) => r.id === id && r.phase === "run"),
      (r) => r.length === 1,
    );
    await first.kill("SIGKILL");
    const restartedAt = Date.now();
    const second = spawnSlackline(["start", "--handlers", HANDLERS], env);
    try {
      await second.url;
      await eventually(
        () => readRecords(records).filter((r) => r.id === id && r.phase === "done"),
        (r) => r.length === 1,
        15_000,
      );
      // Promptly: well before the 30 s lease would have expired.
      expect(Date.now() - restartedAt).toBeLessThan(15_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(readRecords(records).filter((r) => r.id === id && r.phase === "done")).toHaveLength(1);
    } finally {
      await second.kill("SIGTERM");
    }
  }, 40_000);

  it("SIGTERM drains the in-flight handler and exits 0", async () => {
    const dataDir = tempDir();
    const records = join(dataDir, "records.jsonl");
    const app = spawnSlackline(["start", "--handlers", HANDLERS], {
      ...environment(dataDir, records),
      SLOW_MS: "1000",
    });
    const url = await app.url;
    const { body, id } = freshPayload("reaction_added.json");
    (body.event as Record<string, unknown>).text = "slow";
    expect((await postRaw(url, body)).status).toBe(200);
    await eventually(
      () => readRecords(records).filter((r) => r.id === id),
      (r) => r.length === 1,
    );
    expect(await app.kill("SIGTERM")).toBe(0);
    expect(readRecords(records).filter((r) => r.id === id && r.phase === "done")).toHaveLength(1);
  }, 30_000);
});

describe("misconfiguration is one line naming the fix, and a non-zero exit", () => {
  const dataDir = tempDir();
  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ["missing secret", ["start"], { SLACK_SIGNING_SECRET: "" }, /SLACK_SIGNING_SECRET is not set.*--dev/],
    [
      "unknown backend",
      ["start"],
      { SLACK_SIGNING_SECRET: "s", QUEUE_BACKEND: "kafka" },
      /unknown QUEUE_BACKEND "kafka"; available: sqlite/,
    ],
    [
      "unreachable backend",
      ["gateway"],
      { SLACK_SIGNING_SECRET: "s", QUEUE_BACKEND: "redis", REDIS_URL: "redis://127.0.0.1:1" },
      /queue backend "redis" is unreachable.*REDIS_URL/,
    ],
    [
      "bad handler module",
      ["start", "--handlers", "nope.ts"],
      { SLACK_SIGNING_SECRET: "s" },
      /handler module nope.ts does not exist/,
    ],
  ];
  for (const [name, args, extra, pattern] of cases) {
    it(name, async () => {
      const result = await runSlackline(args, { SLACKLINE_DATA_DIR: dataDir, PORT: "0", ...extra });
      expect(result.code).not.toBe(0);
      const lines = result.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
    }, 20_000);
  }
});
