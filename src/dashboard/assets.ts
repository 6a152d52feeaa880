import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { dirname, extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { send, sendText } from "./http.js";

/** The package's root: the first folder above this module with a package.json (src/ and dist/ alike). */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) return from;
    dir = up;
  }
}

/** Where `npm run build` puts the page (Vite's output); shipped in the package under dist/. */
export const defaultAssetDir = (): string => join(packageRoot(), "dist", "dashboard-ui");

export function packageVersion(): string {
  try {
    return String(JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")).version ?? "unknown");
  } catch {
    return "unknown";
  }
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  /** Vite names what it bundles by content hash: those never change, so they are cached for good. */
  immutable: boolean;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

/**
 * The built page, read into memory once (it is small): served with an ETag, hashed bundles as
 * immutable. Missing (a checkout that was not built): every page says how to build it.
 */
export class Assets {
  private readonly files = new Map<string, Asset>();
  readonly missing: boolean;

  constructor(readonly dir: string = defaultAssetDir()) {
    this.missing = !existsSync(join(dir, "index.html"));
    if (this.missing) return;
    for (const path of walk(dir)) {
      const name = relative(dir, path).split(sep).join("/");
      const body = readFileSync(path);
      this.files.set(name, {
        body,
        type: TYPES[extname(name)] ?? "application/octet-stream",
        etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
        immutable: name.startsWith("assets/"),
      });
    }
  }

  has(name: string): boolean {
    return this.files.has(name);
  }

  /** Serves one file by its path under the build folder; false when there is no such file. */
  serve(res: ServerResponse, name: string, ifNoneMatch: string | undefined): boolean {
    if (this.missing) {
      sendText(res, 503, "the dashboard's page is not built: run `npm run build` (it runs `vite build`)");
      return true;
    }
    const asset = this.files.get(name);
    if (!asset) return false;
    const headers = {
      etag: asset.etag,
      "cache-control": asset.immutable ? "public, max-age=31536000, immutable" : "no-cache",
    };
    if (ifNoneMatch === asset.etag) {
      send(res, 304, "", asset.type, headers);
      return true;
    }
    send(res, 200, asset.body, asset.type, headers);
    return true;
  }
}
