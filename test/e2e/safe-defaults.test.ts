import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type Running, runSlackline, spawnSlackline, tempDir } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";
import { PrivateRedis, redisServerBinary } from "../queue/redis-server.js";

const mode = (path: string) => statSync(path).mode & 0o777;
const stderrLines = (text: string) => text.trim().split("\n");
const logLines = (out: string) =>
  out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { level: number; msg: string; [k: string]: unknown });

describe("safe defaults at start-up", () => {
  const running: Running[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.kill("SIGKILL")));
  });
  const start = (args: string[], env: Record<string, string>) => {
    const r = spawnSlackline(args, env);
    running.push(r);
    return r;
  };

  it("an existing development secret is used only with --dev; `send` still signs with it", async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, "dev-signing-secret"), "0123456789abcdef\n", { mode: 0o600 });
    for (const command of ["start", "gateway"]) {
      const result = await runSlackline([command], {
        SLACKLINE_DATA_DIR: dataDir,
        SLACK_SIGNING_SECRET: "",
        PORT: "0",
      });
      expect(result.code).toBe(1);
      const lines = stderrLines(result.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/SLACK_SIGNING_SECRET is not set.*--dev/);
    }
    const gateway = start(["gateway", "--dev"], {
      SLACKLINE_DATA_DIR: dataDir,
      SLACK_SIGNING_SECRET: "",
      PORT: "0",
    });
    const url = await gateway.url;
    expect(gateway.output()).toMatch(/DEVELOPMENT MODE/);
    const sent = await runSlackline(
      ["send", "examples/payloads/app_mention.json", "--fresh", "--url", `${url}/slack/events`],
      { SLACKLINE_DATA_DIR: dataDir, SLACK_SIGNING_SECRET: "" },
    );
    expect(sent.stdout).toMatch(/200/);
  }, 30_000);

  it("creates the data dir 0700 and the queue files 0600, and tightens what an older version left open", async () => {
    const fresh = tempDir();
    const dataDir = join(fresh, "data");
    const first = start(["gateway"], { SLACKLINE_DATA_DIR: dataDir, SLACK_SIGNING_SECRET: "s", PORT: "0" });
    await first.url;
    expect(mode(dataDir)).toBe(0o700);
    for (const file of ["queue.db", "queue.db-wal", "queue.db-shm"])
      expect(mode(join(dataDir, file))).toBe(0o600);
    await first.kill();

    const old = tempDir();
    mkdirSync(join(old, "redis-consumers", "host"), { recursive: true });
    chmodSync(old, 0o755);
    chmodSync(join(old, "redis-consumers"), 0o755);
    chmodSync(join(old, "redis-consumers", "host"), 0o755);
    for (const file of ["queue.db", "dev-signing-secret", "redis-consumer-id"]) {
      writeFileSync(join(old, file), file === "queue.db" ? "" : "x\n");
      chmodSync(join(old, file), 0o644);
    }
    const second = start(["start", "--dev"], {
      SLACKLINE_DATA_DIR: old,
      SLACK_SIGNING_SECRET: "",
      PORT: "0",
    });
    await second.url;
    expect(mode(old)).toBe(0o700);
    expect(mode(join(old, "redis-consumers"))).toBe(0o700);
    expect(mode(join(old, "redis-consumers", "host"))).toBe(0o700);
    for (const file of [
      "queue.db",
      "queue.db-wal",
      "queue.db-shm",
      "dev-signing-secret",
      "redis-consumer-id",
    ])
      expect(mode(join(old, file))).toBe(0o600);
    const tightened = logLines(second.output()).filter((l) => /tightened the permissions/.test(l.msg));
    expect(tightened.map((l) => l.path)).toEqual(
      expect.arrayContaining([old, join(old, "queue.db"), join(old, "dev-signing-secret")]),
    );
    expect(tightened.find((l) => l.path === join(old, "queue.db"))).toMatchObject({
      was: "0644",
      now: "0600",
    });
  }, 30_000);

  it("an unreachable dedup store is a one-line start-up error naming it and its variable", async () => {
    const result = await runSlackline(["start"], {
      SLACKLINE_DATA_DIR: tempDir(),
      SLACK_SIGNING_SECRET: "s",
      PORT: "0",
      DEDUP_STORE: "redis",
      REDIS_URL: "redis://127.0.0.1:1",
    });
    expect(result.code).toBe(1);
    const lines = stderrLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/dedup store "redis" is unreachable.*REDIS_URL/);
  }, 20_000);
});

describe.skipIf(!redisServerBinary())("Redis at start-up and in /readyz", () => {
  const servers: PrivateRedis[] = [];
  const running: Running[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.kill("SIGKILL")));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.destroy()));
  });
  const redis = async (options: ConstructorParameters<typeof PrivateRedis>[0] = {}) => {
    const server = new PrivateRedis(options);
    servers.push(server);
    await server.start();
    return server;
  };
  const gateway = (env: Record<string, string>) => {
    const r = spawnSlackline(["start"], {
      SLACKLINE_DATA_DIR: tempDir(),
      SLACK_SIGNING_SECRET: "s",
      PORT: "0",
      ...env,
    });
    running.push(r);
    return r;
  };

  it("a Redis that keeps nothing on disk is a warning saying what a restart loses; a persistent one is not", async () => {
    const volatile = await redis();
    const a = gateway({ QUEUE_BACKEND: "redis", REDIS_URL: volatile.url });
    await a.url;
    const warning = logLines(a.output()).find((l) => /keeps nothing on disk/.test(l.msg));
    expect(warning?.level).toBe(40);
    expect(warning?.msg).toMatch(/restart loses every queued event not yet handled/);

    const persistent = await redis({ persistent: true });
    const b = gateway({ QUEUE_BACKEND: "redis", REDIS_URL: persistent.url });
    await b.url;
    expect(b.output()).not.toMatch(/keeps nothing on disk/);
  }, 30_000);

  it("with CONFIG renamed away (managed Redis), it starts and says nothing at the default level", async () => {
    const managed = await redis({ args: ["--rename-command", "CONFIG", ""] });
    const app = gateway({ QUEUE_BACKEND: "redis", REDIS_URL: managed.url });
    await app.url;
    expect(app.output()).not.toMatch(/keeps nothing on disk/);
  }, 30_000);

  it("/readyz checks the dedup store too, and names no address on the Slack-facing port", async () => {
    const server = await redis();
    const app = gateway({ QUEUE_BACKEND: "sqlite", DEDUP_STORE: "redis", REDIS_URL: server.url });
    const url = await app.url;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await server.kill();
    let answer = "";
    await until(async () => {
      const res = await fetch(`${url}/readyz`);
      answer = await res.text();
      return res.status === 503;
    }, 10_000);
    expect(answer).toBe("dedup store redis unreachable\n");
    expect(answer).not.toMatch(/127\.0\.0\.1|:\d{2,5}/);
  }, 30_000);
});
