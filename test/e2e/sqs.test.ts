import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signSlackRequest } from "../../src/ingress/signature.js";
import { type AwsEmulators, startAwsEmulators } from "../helpers/aws.js";
import {
  eventually,
  ROOT,
  type Running,
  readRecords,
  runSlackline,
  spawnSlackline,
  tempDir,
} from "../helpers/cli.js";

const SECRET = "e2e-sqs-signing-secret";
const HANDLERS = join(ROOT, "test/fixtures/recording-handlers.ts");
const PAYLOADS = join(ROOT, "examples/payloads");

const doneRoutes = (file: string, id: string) =>
  readRecords(file)
    .filter((r) => r.phase === "done" && r.id === id)
    .map((r) => (r.tag ? `${r.route}:${r.tag}` : r.route))
    .sort();

function freshEvent(name: string, text?: string): { body: Record<string, unknown>; id: string } {
  const body = JSON.parse(readFileSync(join(PAYLOADS, name), "utf8")) as Record<string, unknown>;
  const id = `Ev${randomUUID().replaceAll("-", "").slice(0, 10).toUpperCase()}`;
  body.event_id = id;
  if (text !== undefined) (body.event as Record<string, unknown>).text = text;
  return { body, id };
}

async function post(url: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  const { timestamp, signature } = signSlackRequest(SECRET, text);
  const res = await fetch(`${url}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": signature,
      ...headers,
    },
    body: text,
  });
  return res.status;
}

describe("slackline gateway + worker + dlq on QUEUE_BACKEND=sqs (child processes, fauxqs + dynalite)", () => {
  let aws: AwsEmulators;
  let env: Record<string, string>;
  let records: string;
  let gateway: Running;
  let worker: Running;
  let url: string;

  beforeAll(async () => {
    aws = await startAwsEmulators();
    const dataDir = tempDir();
    records = join(dataDir, "records.jsonl");
    env = {
      ...aws.env,
      QUEUE_BACKEND: "sqs",
      SLACKLINE_CREATE_RESOURCES: "1",
      SLACK_EVENTS_TOPIC: `e2e_${randomUUID().slice(0, 8)}`,
      SLACKLINE_GROUPS: "default",
      DYNAMODB_TABLE: `slackline-e2e-${randomUUID().slice(0, 8)}`,
      SLACK_SIGNING_SECRET: SECRET,
      SLACKLINE_DATA_DIR: dataDir,
      RECORD_FILE: records,
      PORT: "0",
      RETRY_BASE_MS: "50",
      RETRY_CAP_MS: "200",
      MAX_ATTEMPTS: "3",
    };
    gateway = spawnSlackline(["gateway"], env);
    url = await gateway.url;
    worker = spawnSlackline(["worker", "--handlers", HANDLERS], env);
    await eventually(
      () => worker.output(),
      (out) => out.includes("worker consuming"),
      20_000,
    );
  }, 40_000);

  afterAll(async () => {
    await worker?.kill("SIGTERM");
    await gateway?.kill("SIGTERM");
    await aws?.stop();
  });

  it("runs every handler of an event once; Slack's retries of it are answered 200 and dropped", async () => {
    const { body, id } = freshEvent("app_mention.json");
    const statuses = await Promise.all(
      [0, 1, 2].map((n) =>
        post(url, body, n ? { "x-slack-retry-num": String(n), "x-slack-retry-reason": "http_timeout" } : {}),
      ),
    );
    expect(statuses).toEqual([200, 200, 200]);
    await eventually(
      () => doneRoutes(records, id),
      (r) => r.length >= 2,
      15_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(doneRoutes(records, id)).toEqual(["app_mention", "app_mention:sibling"]);
  });

  it("`slackline send` of each example payload runs its handler", async () => {
    for (const file of ["reaction_added.json", "block_actions.json", "slash_command.json"]) {
      const before = readRecords(records).filter((r) => r.phase === "done").length;
      const sent = await runSlackline(
        ["send", join(PAYLOADS, file), "--url", `${url}/slack/events`, "--fresh"],
        env,
      );
      expect(sent.stdout.trim(), `${file}: ${sent.stderr}`).toMatch(/^200 OK \(queued as \S+\)$/);
      await eventually(
        () => readRecords(records).filter((r) => r.phase === "done").length,
        (n) => n >= before + 1,
        15_000,
      );
    }
  });

  it("a handler that fails twice succeeds on its third attempt (retries through the visibility timeout)", async () => {
    const { body, id } = freshEvent("app_mention.json", "<@U0LAN0Z89> fail-twice");
    expect(await post(url, body)).toBe(200);
    await eventually(
      () => doneRoutes(records, id),
      (r) => r.includes("app_mention"),
      20_000,
    );
    const runs = readRecords(records).filter((r) => r.id === id && r.phase === "run");
    expect(runs.filter((r) => !r.tag).map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(runs.filter((r) => r.tag === "sibling")).toHaveLength(1);
  });

  it("a handler that always fails lands in the group's DLQ: `dlq list`, `dlq replay`, `dlq purge`", async () => {
    const { body, id } = freshEvent("app_mention.json", "<@U0LAN0Z89> always-fail");
    expect(await post(url, body)).toBe(200);
    const runsOf = () => readRecords(records).filter((r) => r.id === id && r.phase === "run" && !r.tag);
    await eventually(runsOf, (r) => r.length === 3, 20_000);
    const find = async () => {
      const listed = await runSlackline(["dlq", "list"], env);
      const line = listed.stdout.split("\n").find((l) => l.includes(id));
      return line ? JSON.parse(line) : null;
    };
    let entry = await find();
    for (let i = 0; i < 20 && !entry; i++) entry = await find();
    expect(entry).toMatchObject({ event_id: id, type: "app_mention", group: "default", attempts: 3 });
    expect(entry.reason).toContain("always fails");
    const replay = await runSlackline(["dlq", "replay", "--id", entry.id], env);
    expect(replay.stdout).toContain("replayed 1");
    await eventually(runsOf, (r) => r.length === 6, 20_000);
    // The sibling had succeeded: its processed-marker (in DynamoDB) keeps the replay from running it.
    expect(
      readRecords(records).filter((r) => r.id === id && r.tag === "sibling" && r.phase === "run"),
    ).toHaveLength(1);
    let again = await find();
    for (let i = 0; i < 20 && !again; i++) again = await find();
    expect(again).not.toBeNull();
    const purge = await runSlackline(["dlq", "purge"], env);
    expect(purge.stdout).toContain("purged 1");
    expect(await find()).toBeNull();
  }, 60_000);

  it("`slackline start` (ingress and worker in one process) handles an event", async () => {
    const app = spawnSlackline(["start", "--handlers", HANDLERS], { ...env, SLACKLINE_GROUP: "start_group" });
    try {
      const startUrl = await app.url;
      await eventually(
        () => app.output(),
        (out) => out.includes("worker consuming"),
        20_000,
      );
      const { body, id } = freshEvent("reaction_added.json");
      expect(await post(startUrl, body)).toBe(200);
      // Both groups have the event: the worker of "default" and the one inside `start`.
      await eventually(
        () => readRecords(records).filter((r) => r.id === id && r.phase === "done"),
        (r) => r.length >= 2,
        15_000,
      );
      expect(
        new Set(
          readRecords(records)
            .filter((r) => r.id === id && r.phase === "done")
            .map((r) => r.pid),
        ),
      ).toEqual(new Set([app.proc.pid, worker.proc.pid]));
    } finally {
      await app.kill("SIGTERM");
    }
  });

  it("without SLACKLINE_CREATE_RESOURCES a missing topic is one line naming it, and a non-zero exit", async () => {
    const result = await runSlackline(["gateway"], {
      ...env,
      SLACKLINE_CREATE_RESOURCES: "",
      SLACK_EVENTS_TOPIC: "missing_topic",
    });
    expect(result.code).not.toBe(0);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/queue backend "sqs": SNS topic "missing_topic".*SLACKLINE_CREATE_RESOURCES=1/);
  });
});
