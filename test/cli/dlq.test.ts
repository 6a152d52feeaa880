import { beforeAll, describe, expect, it } from "vitest";
import { sqliteBackend } from "../../src/queue/backends/sqlite.js";
import { sampleEnvelope } from "../../src/testing/envelopes.js";
import { runSlackline, tempDir } from "../helpers/cli.js";

const TOPIC = "slack_events";

describe("slackline dlq, on two dead letters", () => {
  const dataDir = tempDir("dlq-cli-");
  const env = { QUEUE_BACKEND: "sqlite", SLACKLINE_DATA_DIR: dataDir, LOG_FORMAT: "json" };
  const deadIds: string[] = [];

  beforeAll(async () => {
    const backend = await sqliteBackend.fromEnv({ SLACKLINE_DATA_DIR: dataDir });
    for (const id of ["EvDEAD00001", "EvDEAD00002"]) await backend.publish(TOPIC, sampleEnvelope({ id }));
    const abort = new AbortController();
    let n = 0;
    for await (const delivery of backend.consume(TOPIC, { group: "default", signal: abort.signal })) {
      await delivery.deadLetter("this handler always fails");
      if (++n === 2) break;
    }
    abort.abort();
    for (const d of await backend.listDeadLetters(TOPIC)) deadIds.push(d.id);
    await backend.close();
    expect(deadIds).toHaveLength(2);
  });

  it("list --limit 1 prints one, and says it is 1 of 2", async () => {
    const listed = await runSlackline(["dlq", "list", "--limit", "1"], env);
    expect(listed.code).toBe(0);
    const rows = listed.stdout.trim().split("\n");
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!)).toMatchObject({
      id: deadIds[0],
      event_id: "EvDEAD00001",
      type: "app_mention",
    });
    expect(listed.stderr).toContain(`1 of 2 dead letters in ${TOPIC}.dlq (--limit 1; raise it to see more)`);
  });

  it("list: stdout is data only (one JSON line per dead letter); the summary and logs go to stderr", async () => {
    const listed = await runSlackline(["dlq", "list"], env);
    const rows = listed.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.event_id)).toEqual(["EvDEAD00001", "EvDEAD00002"]);
    expect(rows.every((r) => r.msg === undefined)).toBe(true);
    expect(listed.stderr).toContain(`2 dead letters in ${TOPIC}.dlq`);
    expect(listed.stderr).toContain("queue backend ready");
  });

  it("replay --id of an unknown id names it and exits 1; the known one is replayed", async () => {
    const replay = await runSlackline(["dlq", "replay", "--id", "no-such-id", deadIds[1]!], env);
    expect(replay.code).toBe(1);
    expect(replay.stdout.trim()).toBe("replayed 1 dead letter");
    expect(replay.stderr).toContain(`not found in ${TOPIC}.dlq: no-such-id (ids are the "id" field`);
    const listed = await runSlackline(["dlq", "list"], env);
    expect(listed.stdout.trim().split("\n")).toHaveLength(1);
  });

  it("purge --id of only unknown ids purges nothing and exits 1", async () => {
    const purge = await runSlackline(["dlq", "purge", "--id", "EvDEAD00001"], env);
    expect(purge.code).toBe(1);
    expect(purge.stdout.trim()).toBe("purged 0 dead letters");
    expect(purge.stderr).toContain("not found in slack_events.dlq: EvDEAD00001");
  });
});
