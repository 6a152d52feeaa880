import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { ROOT } from "../lib/processes.js";
import { fmt, printTable } from "../lib/stats.js";

export interface Bundle {
  bytes: number;
  gzipBytes: number;
  /** The inputs that put the most bytes into the output, largest first. */
  topInputs: Array<{ path: string; bytes: number }>;
  /** The same by package (`node_modules/<name>`, else the file's first directory). */
  topPackages: Array<{ name: string; bytes: number }>;
}

const packageOf = (path: string): string => {
  const at = path.lastIndexOf("node_modules/");
  if (at === -1) return path.split("/")[0] ?? path;
  const parts = path.slice(at + "node_modules/".length).split("/");
  return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
};

const top = <T extends { bytes: number }>(xs: T[], n: number): T[] =>
  xs.sort((a, b) => b.bytes - a.bytes).slice(0, n);

/**
 * A Lambda entry (its source, resolved from the repository's root) bundled as examples/aws bundles
 * its functions: esbuild, one minified ESM file for Node with a `require` for the CommonJS inside.
 * Written to `outFile` so a cold start can be timed on it.
 */
export async function bundleEntry(contents: string, outFile: string): Promise<Bundle> {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, loader: "js", sourcefile: "entry.mjs" },
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "error",
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  const code = result.outputFiles[0]!.contents;
  writeFileSync(outFile, code);
  const output = Object.values(result.metafile.outputs)[0]!;
  const inputs = Object.entries(output.inputs).map(([path, i]) => ({ path, bytes: i.bytesInOutput }));
  const packages = new Map<string, number>();
  for (const { path, bytes } of inputs)
    packages.set(packageOf(path), (packages.get(packageOf(path)) ?? 0) + bytes);
  return {
    bytes: code.byteLength,
    gzipBytes: gzipSync(code).byteLength,
    topInputs: top(inputs, 5),
    topPackages: top(
      [...packages].map(([name, bytes]) => ({ name, bytes })),
      5,
    ),
  };
}

/** `export const handler = lambdaIngress()` from the built `slackline/aws`. */
export const SLACKLINE_ENTRY = `import { lambdaIngress } from "${join(ROOT, "dist/aws/index.js")}";\nexport const handler = lambdaIngress();\n`;
/** The bare handler module as its own entry. */
export const BARE_ENTRY = `export { handler } from "${join(ROOT, "bench/servers/bare-lambda.mjs")}";\n`;

/** The bundles' sizes, and the inputs that weigh most in `main`'s. */
export function printBundles(bundles: Record<string, Bundle>, main: string): void {
  console.log(
    "\nLambda bundle: esbuild --bundle --minify --platform=node --format=esm, as examples/aws builds it",
  );
  printTable(
    ["entry", "bytes", "gzip bytes", "top packages (bytes in output)"],
    Object.entries(bundles).map(([name, b]) => [
      name,
      fmt(b.bytes, 0, 0),
      fmt(b.gzipBytes, 0, 0),
      b.topPackages.map((p) => `${p.name} ${(p.bytes / 1024).toFixed(0)}K`).join(", "),
    ]),
  );
  const slackline = bundles[main]!;
  console.log(
    `top inputs: ${slackline.topInputs.map((i) => `${i.path.replace(/^.*node_modules\//, "")} ${(i.bytes / 1024).toFixed(0)}K`).join(", ")}`,
  );
}
