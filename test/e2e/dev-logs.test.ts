import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { BIN, eventually, ROOT, runSlackline, tempDir } from "../helpers/cli.js";

/** `slackline start` as a child, its stdout collected. */
function start(args: string[], env: Record<string, string>) {
  const proc = spawn(process.execPath, [BIN, "start", "--port", "0", ...args], {
    cwd: ROOT,
    env: { ...process.env, QUEUE_BACKEND: "memory", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout.on("data", (c) => {
    out += c;
  });
  const exited = new Promise<void>((resolve) => proc.on("exit", () => resolve()));
  return {
    output: () => out,
    stop: async () => {
      proc.kill("SIGTERM");
      await exited;
    },
  };
}

describe("development logs", () => {
  it("--dev: readable lines (pino-pretty), even through a pipe", async () => {
    const app = start(["--dev"], { SLACKLINE_DATA_DIR: tempDir(), LOG_FORMAT: "" });
    try {
      const out = await eventually(app.output, (o) => o.includes("ingress listening"));
      expect(out).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: ingress listening$/m);
      expect(out).toMatch(/^ {4}url: "http:\/\/127\.0\.0\.1:\d+\/slack\/events"$/m);
      expect(out).not.toMatch(/^\{"level"/m);
    } finally {
      await app.stop();
    }
  });

  it("without --dev, piped: JSON lines, as production's log collectors read them", async () => {
    const app = start([], { SLACK_SIGNING_SECRET: "s", LOG_FORMAT: "" });
    try {
      const out = await eventually(app.output, (o) => o.includes("ingress listening"));
      for (const line of out.trim().split("\n")) expect(JSON.parse(line)).toHaveProperty("level");
    } finally {
      await app.stop();
    }
  });

  it("send prints what happened on stdout, nothing else", async () => {
    const sent = await runSlackline(
      ["send", "-", "--url", "http://127.0.0.1:9/slack/events"],
      {
        SLACK_SIGNING_SECRET: "s",
        LOG_FORMAT: "pretty",
      },
      "{}",
    );
    expect(sent.stdout.trim()).toBe(
      "error fetch failed: is slackline running at http://127.0.0.1:9/slack/events?",
    );
    expect(sent.code).toBe(1);
  });
});
