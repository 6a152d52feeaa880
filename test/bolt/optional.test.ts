import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";

// @slack/bolt is an optional peer: Slackline's built code never loads it (the app does), and the
// Bolt adapter itself loads only when a handler module's default export is a Bolt App.
function builtFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? builtFiles(join(dir, entry.name))
      : entry.name.endsWith(".js")
        ? [join(dir, entry.name)]
        : [],
  );
}

describe("@slack/bolt stays optional", () => {
  it("no built module imports @slack/bolt", () => {
    const files = builtFiles(join(ROOT, "dist"));
    expect(files.length).toBeGreaterThan(50);
    const importing = files.filter((f) =>
      /(from\s+|import\()\s*["']@slack\/bolt/.test(readFileSync(f, "utf8")),
    );
    expect(importing).toEqual([]);
  });

  it("only the handler loader reaches the Bolt adapter, and only through a dynamic import", () => {
    const files = builtFiles(join(ROOT, "dist")).filter((f) => !f.includes("/dist/bolt/"));
    const reaching = files.filter((f) => /["']\.\.?\/(\.\.\/)*bolt\//.test(readFileSync(f, "utf8")));
    expect(reaching.map((f) => f.slice(f.indexOf("/dist/") + 1))).toEqual(["dist/handlers/load.js"]);
    expect(readFileSync(join(ROOT, "dist/handlers/load.js"), "utf8")).toMatch(
      /import\("\.\.\/bolt\/receiver\.js"\)/,
    );
  });
});
