import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { init } from "../../src/cli/commands/init.js";
import { handlersTest } from "../../src/cli/init/templates.js";
import { builtInInfo } from "../../src/queue/registry.js";
import { ROOT, tempDir } from "../helpers/cli.js";

/** Runs init in `dir`, returning what it printed. */
async function initIn(dir: string, flags: { backend?: string; force?: boolean } = {}): Promise<string> {
  let out = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    expect(await init({ ...flags, dir })).toBe(0);
  } finally {
    vi.restoreAllMocks();
  }
  return out;
}

const read = (dir: string, name: string) => readFileSync(join(dir, name), "utf8");
const json = (dir: string, name: string) => JSON.parse(read(dir, name));

afterEach(() => vi.restoreAllMocks());

describe("slackline init", () => {
  it("in an empty directory: handlers, their test, a payload, .env.example, an ES module package.json", async () => {
    const dir = tempDir("init-empty-");
    const out = await initIn(dir);
    for (const name of [
      "handlers.ts",
      "handlers.test.ts",
      "payloads/app_mention.json",
      ".env.example",
      "tsconfig.json",
      ".gitignore",
    ]) {
      expect(existsSync(join(dir, name)), name).toBe(true);
      expect(out).toContain(`wrote    ${name}`);
    }
    const pkg = json(dir, "package.json");
    expect(pkg.type).toBe("module");
    expect(pkg.scripts).toEqual({
      dev: "slackline start --dev --handlers handlers.ts",
      start: "slackline start --handlers handlers.ts",
      test: "node --import tsx --test handlers.test.ts",
    });
    expect(read(dir, "handlers.test.ts")).toContain('import { test } from "node:test";');
    expect(read(dir, "handlers.test.ts")).toContain('from "slackline/testing"');
    expect(json(dir, "payloads/app_mention.json").event.type).toBe("app_mention");
    // Not installed here yet: it says how, then the next three commands.
    expect(out).toContain("First install Slackline here");
    const next = out.slice(out.indexOf("Next:")).trim().split("\n").slice(1);
    expect(next.map((l) => l.trim().split(/\s+#/)[0]!.trim())).toEqual([
      "npm run dev",
      "npx slackline send payloads/app_mention.json --wait",
      "npm test",
    ]);
  });

  it(".env.example lists every variable of the chosen backend", async () => {
    for (const backend of ["redis", "nats", "sqs", "memory"]) {
      const dir = tempDir(`init-${backend}-`);
      await initIn(dir, { backend });
      const env = read(dir, ".env.example");
      expect(env).toContain(`QUEUE_BACKEND=${backend}`);
      for (const name of builtInInfo(backend)!.envVars)
        expect(env, `${backend}: ${name}`).toMatch(new RegExp(`^#? ?${name}=`, "m"));
    }
  });

  it("an unknown --backend is an error listing the built-ins", async () => {
    await expect(init({ dir: tempDir(), backend: "kafka" })).rejects.toThrow(
      /--backend "kafka" is not a built-in queue backend; use one of: sqlite .*redis/,
    );
  });

  it("in an existing project: never overwrites a file, adds the scripts it lacks, keeps the user's", async () => {
    const dir = tempDir("init-existing-");
    writeFileSync(join(dir, "handlers.ts"), "// mine\n");
    const mine = {
      name: "mine",
      scripts: { test: "vitest run --coverage", build: "tsc" },
      devDependencies: { vitest: "^4.0.0" },
    };
    writeFileSync(join(dir, "package.json"), JSON.stringify(mine));
    const out = await initIn(dir);
    expect(read(dir, "handlers.ts")).toBe("// mine\n");
    expect(out).toContain("kept     handlers.ts (it exists; --force overwrites it)");
    // vitest is what the project uses: the test is written for it.
    expect(read(dir, "handlers.test.ts")).toContain('import { test } from "vitest";');
    const pkg = json(dir, "package.json");
    expect(pkg.type).toBeUndefined();
    expect(pkg.devDependencies).toEqual(mine.devDependencies);
    expect(pkg.scripts).toEqual({
      test: "vitest run --coverage",
      build: "tsc",
      dev: "slackline start --dev --handlers handlers.ts",
      start: "slackline start --handlers handlers.ts",
    });
    expect(out).toContain("updated  package.json (added scripts dev, start)");
    expect(out).toContain('kept     package.json script "test"');
  });

  it("npm's placeholder test script is replaced; --force overwrites files and scripts", async () => {
    const dir = tempDir("init-force-");
    writeFileSync(join(dir, "handlers.ts"), "// old\n");
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({
        name: "x",
        scripts: { test: 'echo "Error: no test specified" && exit 1', dev: "nodemon" },
      }),
    );
    const first = await initIn(dir);
    expect(json(dir, "package.json").scripts.test).toBe("node --import tsx --test handlers.test.ts");
    expect(json(dir, "package.json").scripts.dev).toBe("nodemon");
    expect(first).toContain("replaced scripts test");
    const forced = await initIn(dir, { force: true });
    expect(read(dir, "handlers.ts")).toContain('import { Router } from "slackline";');
    expect(forced).toContain("replaced handlers.ts");
    expect(json(dir, "package.json").scripts.dev).toBe("slackline start --dev --handlers handlers.ts");
  });

  it("a package.json that is not JSON is an error naming it, and nothing is written", async () => {
    const dir = tempDir("init-broken-");
    writeFileSync(join(dir, "package.json"), "{ nope");
    await expect(init({ dir })).rejects.toThrow(/package.json is not valid JSON/);
    expect(existsSync(join(dir, "handlers.ts"))).toBe(false);
  });

  it("docs/testing.md shows the test init writes, as it writes it", () => {
    expect(readFileSync(join(ROOT, "docs/testing.md"), "utf8")).toContain(
      `\`\`\`ts\n${handlersTest("node")}\`\`\``,
    );
  });
});
