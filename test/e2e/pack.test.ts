import { type ChildProcess, execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, ROOT, tempDir } from "../helpers/cli.js";

// The first hour of a new user, from outside this repository: `npm pack`, `npm install <tarball>`
// into an empty directory, `npx slackline init`, `slackline start`, `slackline send --wait`, and the
// generated test. Dependencies come from the npm cache (--prefer-offline). better-sqlite3 compiles
// from source on install here (no prebuilt binary is reachable), about 70 s of CPU: by default this
// test installs with --ignore-scripts and copies the addon this repository's own install compiled
// (same version, checked). SLACKLINE_PACK_FULL_INSTALL=1 runs the install scripts, as a user's
// install does.
const FULL_INSTALL = process.env.SLACKLINE_PACK_FULL_INSTALL === "1";
const run = promisify(execFile);

/** Runs a command in the scratch project; its output is kept for the failure message. */
async function sh(
  cwd: string,
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  try {
    const { stdout, stderr } = await run(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { stdout, stderr, ms: Date.now() - started };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

const version = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;

/** The better-sqlite3 addon this repository's install compiled, into the scratch install. */
function copySqliteAddon(project: string): void {
  const ours = join(ROOT, "node_modules/better-sqlite3");
  const theirs = join(project, "node_modules/better-sqlite3");
  expect(version(theirs), "the tarball resolved another better-sqlite3 than this repository").toBe(
    version(ours),
  );
  mkdirSync(join(theirs, "build/Release"), { recursive: true });
  copyFileSync(
    join(ours, "build/Release/better_sqlite3.node"),
    join(theirs, "build/Release/better_sqlite3.node"),
  );
}

describe("the packed tarball, installed into a project of its own", () => {
  const scratch = tempDir("slackline-pack-");
  const project = join(scratch, "my-slack-app");
  const timings: Record<string, number> = {};
  let app: ChildProcess | null = null;
  let appOutput = "";

  beforeAll(async () => {
    // Outside this repository: nothing resolves from its node_modules.
    expect(relative(ROOT, scratch).startsWith("..")).toBe(true);
    expect(scratch.startsWith(tmpdir())).toBe(true);
    const packed = await sh(ROOT, "npm", ["pack", "--ignore-scripts", "--pack-destination", scratch]);
    timings.pack = packed.ms;
    const tarball = join(scratch, readdirSync(scratch).find((f) => f.endsWith(".tgz"))!);
    mkdirSync(project);
    const installArgs = ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball];
    const installed = await sh(
      project,
      "npm",
      FULL_INSTALL ? installArgs : [...installArgs, "--ignore-scripts"],
    );
    timings.install = installed.ms;
    if (!FULL_INSTALL) copySqliteAddon(project);
  }, 600_000);

  afterAll(async () => {
    if (app && app.exitCode === null) {
      const exited = new Promise((resolve) => app!.once("exit", resolve));
      app.kill("SIGTERM");
      await exited;
    }
    // A scratch install is over 100 MB: not left behind in /tmp run after run.
    rmSync(scratch, { recursive: true, force: true });
    console.log(
      `pack test: npm pack ${timings.pack} ms, npm install ${timings.install} ms (${FULL_INSTALL ? "with install scripts" : "--ignore-scripts, the addon copied"}), init ${timings.init} ms, start ${timings.start} ms, send --wait ${timings.send} ms, npm test ${timings.test} ms`,
    );
  });

  it("ships dist/ (the CLI works without a build) and the examples", () => {
    const installed = join(project, "node_modules/slackline");
    for (const file of ["dist/cli/main.js", "dist/index.d.ts", "dist/testing/index.js", "bin/slackline.js"])
      expect(existsSync(join(installed, file)), file).toBe(true);
    expect(existsSync(join(installed, "dist/dashboard-ui/index.html"))).toBe(true);
    expect(existsSync(join(installed, "examples/payloads/app_mention.json"))).toBe(true);
    expect(existsSync(join(installed, "src"))).toBe(false);
  });

  it("npx slackline init scaffolds, adds the scripts, prints the next three commands", async () => {
    const init = await sh(project, "npx", ["--no-install", "slackline", "init"]);
    timings.init = init.ms;
    console.log(`$ npx slackline init\n${init.stdout}`);
    expect(init.stdout).toContain("updated  package.json (added scripts dev, start, test)");
    expect(init.stdout).not.toContain("First install Slackline");
    expect(init.stdout).toContain("npx slackline send payloads/app_mention.json --wait");
    for (const file of ["handlers.ts", "handlers.test.ts", ".env.example", "payloads/app_mention.json"])
      expect(existsSync(join(project, file)), file).toBe(true);
  });

  it('slackline start runs handlers.ts (a .ts module, in a package npm made without "type": "module")', async () => {
    const started = Date.now();
    // The bin npx runs, started directly so that SIGTERM reaches slackline (npx does not pass it on).
    app = spawn(
      join(project, "node_modules/.bin/slackline"),
      ["start", "--dev", "--handlers", "handlers.ts"],
      {
        cwd: project,
        env: { ...process.env, PORT: "0", LOG_FORMAT: "json", LOG_LEVEL: "info" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    app.stdout!.on("data", (c) => {
      appOutput += c;
    });
    app.stderr!.on("data", (c) => {
      appOutput += c;
    });
    await eventually(
      () => appOutput,
      (o) => o.includes('"msg":"worker consuming"') || app!.exitCode !== null,
      60_000,
    );
    expect(appOutput).toContain('"msg":"worker consuming"');
    timings.start = Date.now() - started;
  }, 90_000);

  it("slackline send --wait: queued, then handled by the route; again: a duplicate", async () => {
    const url = /"url":"(http:\/\/[^"]+\/slack\/events)"/.exec(appOutput)![1]!;
    const send = () =>
      sh(project, "npx", [
        "--no-install",
        "slackline",
        "send",
        "payloads/app_mention.json",
        "--wait",
        "--url",
        url,
      ]);
    const first = await send();
    timings.send = first.ms;
    console.log(`$ npx slackline send payloads/app_mention.json --wait\n${first.stdout}`);
    expect(first.stdout.trim().split("\n")).toEqual([
      "200 OK (queued as Ev0INIT00001)",
      "  handled by app_mention (group default, attempt 1)",
    ]);
    const again = await send();
    expect(again.stdout.trim().split("\n")[0]).toBe("200 OK (duplicate of Ev0INIT00001, nothing queued)");
    await eventually(
      () => appOutput,
      (o) => o.includes('"msg":"mentioned"'),
    );
  }, 60_000);

  it("the generated test passes (node --test, tsx, slackline/testing)", async () => {
    const tested = await sh(project, "npm", ["test"]);
    timings.test = tested.ms;
    expect(tested.stdout).toMatch(/^# pass 2$/m);
    expect(tested.stdout).toMatch(/^# fail 0$/m);
  }, 60_000);
});
