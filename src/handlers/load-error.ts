import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { extname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ConfigError } from "../config/config-error.js";
import { errorMessage } from "../errors.js";

/** esbuild's (through tsx) "Transform failed with 1 error:\n<file>:<line>:<col>: ERROR: <what>". */
const ESBUILD_LOCATION = /^(.+?):(\d+):(\d+): ERROR: (.*)$/m;
/** What Node prints for an uncaught parse or link error: "file:///<file>:<line>\n<source line>\n<caret>". */
const UNCAUGHT_LOCATION = /^(file:\/\/.+):(\d+)\n(.*)\n(\s*)\^/m;

export interface SyntaxLocation {
  file: string;
  line: number;
  column: number | null;
  message: string;
}

/** The other extensions a file tsx names `x.js` (or `x.ts`) may have on disk. */
const SIBLINGS: Readonly<Record<string, readonly string[]>> = {
  ".js": [".mjs", ".cjs", ".jsx"],
  ".ts": [".mts", ".cts", ".tsx"],
};

/** tsx names an `.mjs` file it compiled `.js`: the file as it is on disk. */
function onDisk(file: string): string {
  if (existsSync(file)) return file;
  const ext = extname(file);
  const stem = file.slice(0, file.length - ext.length);
  return (SIBLINGS[ext] ?? []).map((e) => stem + e).find((candidate) => existsSync(candidate)) ?? file;
}

/** Where a TypeScript module failed to compile, from the message esbuild gives tsx. */
export function esbuildLocation(message: string): SyntaxLocation | null {
  const m = ESBUILD_LOCATION.exec(message);
  if (!m) return null;
  return { file: onDisk(m[1]!), line: Number(m[2]), column: Number(m[3]) + 1, message: m[4]! };
}

/**
 * A SyntaxError raised by the module loader itself (a parse error, or an import of a name a module
 * does not export), as opposed to one that code threw while running (JSON.parse): nothing of the
 * module graph ran.
 */
function fromLoader(err: SyntaxError): boolean {
  const frame = /^\s+at .*$/m.exec(err.stack ?? "");
  return Boolean(frame?.[0].includes("node:internal/modules/"));
}

/**
 * Where a module graph has its parse or link error. Node's loader throws a SyntaxError that says
 * what but not where (the location is printed only for an uncaught error), so the module is imported
 * again in a child process that lets it go uncaught. Only for a loader error: the graph fails to
 * link there too, so none of it runs. Only ever on the way to a start-up error.
 */
export function loaderErrorLocation(file: string, typescript: boolean): SyntaxLocation | null {
  const args = typescript ? ["--import", import.meta.resolve("tsx")] : [];
  const script = `await import(${JSON.stringify(pathToFileURL(file).href)})`;
  const child = spawnSync(process.execPath, [...args, "--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 10_000,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const m = typeof child.stderr === "string" ? UNCAUGHT_LOCATION.exec(child.stderr) : null;
  if (!m) return null;
  const what = /^SyntaxError: (.*)$/m.exec(child.stderr);
  return {
    file: fileURLToPath(m[1]!),
    line: Number(m[2]),
    column: m[4]!.length + 1,
    message: what?.[1] ?? "syntax error",
  };
}

const where = (at: SyntaxLocation) => `${at.file}:${at.line}${at.column === null ? "" : `:${at.column}`}`;

/** The start-up error for a handler module that failed to load, naming the file and line when it can. */
export function handlerLoadError(
  modulePath: string,
  file: string,
  typescript: boolean,
  err: unknown,
): ConfigError {
  const message = errorMessage(err);
  const fail = (text: string) => new ConfigError(`handler module ${modulePath} ${text}`, { cause: err });
  const compiled = esbuildLocation(message);
  if (compiled) return fail(`does not compile: ${compiled.message} at ${where(compiled)}`);
  if (err instanceof SyntaxError && fromLoader(err)) {
    const at = loaderErrorLocation(file, typescript);
    if (at)
      return fail(
        `${at.file === file ? "has" : "imports a module with"} a syntax error: ${at.message} at ${where(at)}`,
      );
  }
  // Keep it one line: the first line of a multi-line message says what happened.
  return fail(`failed to load: ${message.split("\n")[0]}`);
}
