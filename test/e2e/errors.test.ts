import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSlackline, tempDir } from "../helpers/cli.js";

/** Start-up errors name the fix: one line on stderr, a non-zero exit. */
async function failsWith(args: string[], env: Record<string, string>, cwd?: string): Promise<string> {
  const result = await runSlackline(
    args,
    { SLACK_SIGNING_SECRET: "s", QUEUE_BACKEND: "memory", LOG_LEVEL: "warn", ...env },
    undefined,
    cwd ? { cwd } : {},
  );
  expect(result.code, result.stdout).not.toBe(0);
  const lines = result.stderr.trim().split("\n");
  expect(lines, result.stderr).toHaveLength(1);
  return lines[0]!;
}

describe("ports", () => {
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  it("a port in use names the port, --port and PORT", async () => {
    const line = await failsWith(["start", "--port", String(port)], {});
    expect(line).toBe(
      `slackline: port ${port} is already in use on 127.0.0.1 (another slackline, or another program): stop it, or choose another with --port or PORT (0 picks a free one)`,
    );
  });

  it("so does a port in use that came from PORT", async () => {
    expect(await failsWith(["gateway"], { PORT: String(port) })).toContain(`port ${port} is already in use`);
  });

  it("the dashboard's port in use names SLACKLINE_DASHBOARD_PORT", async () => {
    expect(await failsWith(["dashboard"], { SLACKLINE_DASHBOARD_PORT: String(port) })).toMatch(
      /already in use.*--port or SLACKLINE_DASHBOARD_PORT/,
    );
  });

  it("a port out of range is refused before Node sees it", async () => {
    expect(await failsWith(["start"], { PORT: "70000" })).toBe(
      'slackline: PORT must be a port number from 0 to 65535 (0 picks a free one), got "70000"',
    );
  });

  it("--port abc names the flag", async () => {
    expect(await failsWith(["start", "--port", "abc"], { PORT: "3000" })).toBe(
      'slackline: --port must be a port number from 0 to 65535 (0 picks a free one), got "abc"',
    );
  });

  it("PORT=abc names the variable", async () => {
    expect(await failsWith(["start"], { PORT: "abc" })).toMatch(/^slackline: PORT must be a port number/);
  });

  it("the dashboard's --port abc names the flag, its variable the variable", async () => {
    expect(await failsWith(["dashboard", "--port", "abc"], {})).toMatch(/^slackline: --port must be/);
    expect(await failsWith(["dashboard"], { SLACKLINE_DASHBOARD_PORT: "-1" })).toMatch(
      /^slackline: SLACKLINE_DASHBOARD_PORT must be a port number/,
    );
  });
});

describe("handler modules with a syntax error: the file and the line", () => {
  const dir = tempDir();
  const broken = "export default {\n  onAppMention() {\n    return 1 +;\n  },\n};\n";
  writeFileSync(join(dir, "bad.mjs"), broken);
  writeFileSync(join(dir, "bad.ts"), broken);
  writeFileSync(join(dir, "outer.mjs"), 'import "./bad.mjs";\nexport default {};\n');
  writeFileSync(
    join(dir, "missing-export.mjs"),
    'import { nope } from "./bad-free.mjs";\nexport default { onAppMention() { return nope; } };\n',
  );
  writeFileSync(join(dir, "bad-free.mjs"), "export const yes = 1;\n");
  writeFileSync(join(dir, "throws.mjs"), 'JSON.parse("{");\nexport default {};\n');
  const start = (file: string) => failsWith(["start", "--port", "0", "--handlers", file], {}, dir);

  it(".mjs", async () => {
    expect(await start("bad.mjs")).toBe(
      `slackline: handler module bad.mjs has a syntax error: Unexpected token ';' at ${join(dir, "bad.mjs")}:3:15`,
    );
  });

  it(".ts", async () => {
    expect(await start("bad.ts")).toBe(
      `slackline: handler module bad.ts does not compile: Unexpected ";" at ${join(dir, "bad.ts")}:3:15`,
    );
  });

  it("in a module the handler module imports", async () => {
    expect(await start("outer.mjs")).toBe(
      `slackline: handler module outer.mjs imports a module with a syntax error: Unexpected token ';' at ${join(dir, "bad.mjs")}:3:15`,
    );
  });

  it("an import of a name that is not exported", async () => {
    expect(await start("missing-export.mjs")).toBe(
      `slackline: handler module missing-export.mjs has a syntax error: The requested module './bad-free.mjs' does not provide an export named 'nope' at ${join(dir, "missing-export.mjs")}:1:10`,
    );
  });

  it("a SyntaxError thrown while the module runs is reported as it is (the module is not run again)", async () => {
    expect(await start("throws.mjs")).toMatch(/^slackline: handler module throws.mjs failed to load: .*JSON/);
  });
});
