import { basename } from "node:path";
import type { TestRunner } from "./templates.js";

export interface PackageJson {
  name?: string;
  type?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** What `npm init -y` puts in `test`: a placeholder, not a test command anyone chose. */
const NPM_PLACEHOLDER_TEST = /^echo "Error: no test specified" && exit 1$/;

/** The runner a project already has: vitest if it depends on it, else Node's own (nothing to install). */
export function testRunnerOf(pkg: PackageJson | null): TestRunner {
  const deps = { ...pkg?.dependencies, ...pkg?.devDependencies };
  return "vitest" in deps ? "vitest" : "node";
}

export function scriptsFor(runner: TestRunner): Record<string, string> {
  return {
    dev: "slackline start --dev --handlers handlers.ts",
    start: "slackline start --handlers handlers.ts",
    test: runner === "vitest" ? "vitest run" : "node --import tsx --test handlers.test.ts",
  };
}

/** A package.json for a directory that has none: an ES module package with the scripts. */
export function newPackageJson(dir: string, runner: TestRunner): PackageJson {
  const name =
    basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^[._-]+/, "") || "slack-app";
  return { name, version: "0.1.0", private: true, type: "module", scripts: scriptsFor(runner) };
}

export interface ScriptMerge {
  pkg: PackageJson;
  added: string[];
  replaced: string[];
  /** Scripts of the same name left as they were (without --force). */
  kept: string[];
}

/** Adds the scripts a project lacks; one it has is kept unless `force` (npm's placeholder test is replaced). */
export function mergeScripts(pkg: PackageJson, runner: TestRunner, force: boolean): ScriptMerge {
  const scripts = { ...pkg.scripts };
  const added: string[] = [];
  const replaced: string[] = [];
  const kept: string[] = [];
  for (const [name, command] of Object.entries(scriptsFor(runner))) {
    const existing = scripts[name];
    if (existing === command) continue;
    if (existing === undefined) added.push(name);
    else if (force || (name === "test" && NPM_PLACEHOLDER_TEST.test(existing))) replaced.push(name);
    else {
      kept.push(name);
      continue;
    }
    scripts[name] = command;
  }
  return { pkg: { ...pkg, scripts }, added, replaced, kept };
}
