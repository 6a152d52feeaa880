import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, runSlackline, spawnSlackline, tempDir } from "../helpers/cli.js";

const SECRET = "handler-modules-secret";

/** A project of its own outside this repository: slackline under node_modules, no "type": "module". */
function project(files: Record<string, string>): string {
  const dir = tempDir("slackline-project-");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "commonjs-app", version: "1.0.0" }));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(ROOT, join(dir, "node_modules", "slackline"), "dir");
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const MENTION = JSON.stringify({
  type: "event_callback",
  team_id: "T1",
  event_id: "Ev0CJS000001",
  event: { type: "app_mention", user: "U1", text: "hi", ts: "1.000001", channel: "C1" },
});

async function startAndSend(dir: string, handlers: string): Promise<string> {
  const env = { SLACK_SIGNING_SECRET: SECRET, QUEUE_BACKEND: "memory", PORT: "0" };
  const app = spawnSlackline(["start", "--handlers", handlers], env, { cwd: dir });
  try {
    const url = await app.url;
    const sent = await runSlackline(
      ["send", "-", "--url", `${url}/slack/events`, "--wait", "10"],
      env,
      MENTION,
      { cwd: dir },
    );
    expect(sent.code, `${sent.stdout}\n${app.output()}`).toBe(0);
    return sent.stdout;
  } finally {
    await app.kill();
  }
}

describe('a .ts handler module in a package without "type": "module"', () => {
  it("loads (tsx reads it as CommonJS) and runs: no 'Cannot require() ES Module ... in a cycle'", async () => {
    const dir = project({
      "handlers.ts": [
        'import { Router } from "slackline";',
        "const router = new Router();",
        'router.appMention((event, { logger }) => logger.info({ channel: event.channel }, "mentioned"));',
        "export default router;",
      ].join("\n"),
    });
    expect(await startAndSend(dir, "handlers.ts")).toContain(
      "handled by app_mention (group default, attempt 1)",
    );
  });

  it("a handler class as the default export works the same", async () => {
    const dir = project({
      "bot.ts":
        "export default class Bot {\n  onAppMention(event: { channel: string }) {\n    return event.channel;\n  }\n}\n",
    });
    expect(await startAndSend(dir, "bot.ts")).toContain("handled by app_mention");
  });
});
