import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ConfigError } from "../../config/config-error.js";
import { availableBackends, builtInInfo } from "../../queue/registry.js";
import {
  mergeScripts,
  newPackageJson,
  type PackageJson,
  scriptsFor,
  testRunnerOf,
} from "../init/package-json.js";
import {
  APP_MENTION_JSON,
  envExample,
  GITIGNORE,
  HANDLERS_TS,
  handlersTest,
  TSCONFIG_JSON,
} from "../init/templates.js";

export interface InitFlags {
  backend?: string;
  force?: boolean;
  /** Where to scaffold (default: the current directory). */
  dir?: string;
}

function readPackageJson(file: string): PackageJson | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as PackageJson;
  } catch (err) {
    throw new ConfigError(
      `${file} is not valid JSON (${(err as Error).message}); fix it, then run init again`,
    );
  }
}

/**
 * `slackline init`: a handlers module, its test (slackline/testing: a fake Slack, signed requests),
 * a payload to send, `.env.example` for the chosen backend, and the scripts to run them, in an empty
 * or an existing directory. A file that exists is never overwritten without --force.
 */
export async function init(flags: InitFlags): Promise<number> {
  const dir = flags.dir ?? process.cwd();
  const backendName = flags.backend ?? "sqlite";
  const backend = builtInInfo(backendName);
  if (!backend)
    throw new ConfigError(
      `--backend "${backendName}" is not a built-in queue backend; use one of: ${availableBackends().join(", ")}`,
    );
  const force = Boolean(flags.force);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const packageFile = join(dir, "package.json");
  const existing = readPackageJson(packageFile);
  const runner = testRunnerOf(existing);

  out(
    `slackline init: ${dir} (queue backend ${backend.name}, tests with ${runner === "node" ? "node --test" : "vitest"})`,
  );
  const files: Array<[string, string]> = [
    ["handlers.ts", HANDLERS_TS],
    ["handlers.test.ts", handlersTest(runner)],
    ["payloads/app_mention.json", APP_MENTION_JSON],
    [".env.example", envExample(backend)],
    ["tsconfig.json", TSCONFIG_JSON],
    [".gitignore", GITIGNORE],
  ];
  let skipped = 0;
  for (const [name, text] of files) {
    const file = join(dir, name);
    const there = existsSync(file);
    if (there && !force) {
      out(`  kept     ${name} (it exists; --force overwrites it)`);
      skipped++;
      continue;
    }
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    out(`  ${there ? "replaced" : "wrote   "} ${name}`);
  }

  if (!existing) {
    writeFileSync(packageFile, `${JSON.stringify(newPackageJson(dir, runner), null, 2)}\n`);
    out(`  wrote    package.json ("type": "module"; scripts ${Object.keys(scriptsFor(runner)).join(", ")})`);
  } else {
    const merged = mergeScripts(existing, runner, force);
    if (merged.added.length + merged.replaced.length > 0) {
      writeFileSync(packageFile, `${JSON.stringify(merged.pkg, null, 2)}\n`);
      const changes = [
        merged.added.length ? `added scripts ${merged.added.join(", ")}` : "",
        merged.replaced.length ? `replaced scripts ${merged.replaced.join(", ")}` : "",
      ].filter(Boolean);
      out(`  updated  package.json (${changes.join("; ")})`);
    }
    for (const name of merged.kept)
      out(
        `  kept     package.json script "${name}" (yours; --force replaces it with "${scriptsFor(runner)[name]}")`,
      );
  }

  const installed = existsSync(join(dir, "node_modules", "slackline"));
  out("");
  if (!installed)
    out(
      "First install Slackline here: npm install slackline (or the path, tarball or git URL you have it from).",
    );
  out("Next:");
  out(
    "  npm run dev                                          # ingress + worker, http://127.0.0.1:3000/slack/events",
  );
  out(
    "  npx slackline send payloads/app_mention.json --wait  # in a second terminal: a signed event, and what ran",
  );
  out("  npm test                                             # handlers.test.ts against a fake Slack");
  if (skipped > 0) out(`(${skipped} file(s) kept as they were: check that they still fit.)`);
  return 0;
}
