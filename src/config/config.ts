import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseDotenv } from "dotenv";
import { DEFAULT_DEDUP_TTL_SECONDS } from "../dedup/types.js";
import { ConfigError } from "./config-error.js";
import type { Env } from "./env.js";
import { envInt } from "./env-int.js";
import { parsePort } from "./port.js";

export { ConfigError };

export const DEFAULT_TOPIC = "slack_events";
export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_GROUP = "default";

/** The environment with `.env` (if present) underneath: real environment variables win. */
export function loadEnv(cwd: string = process.cwd(), base: Env = process.env): Env {
  const file = join(cwd, ".env");
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file)) : {};
  return { ...fromFile, ...base };
}

export interface Config {
  env: Env;
  /** Empty when unset: `start --dev` then makes a development secret. */
  signingSecrets: string[];
  botToken: string | undefined;
  /** Web API base URL (ends with "/"), or undefined for Slack's own. */
  apiUrl: string | undefined;
  topic: string;
  dataDir: string;
  dedupTtlSeconds: number;
  port: number;
  host: string;
  logLevel: string;
}

export function readConfig(env: Env): Config {
  const apiUrl = env.SLACK_API_URL?.trim();
  return {
    env,
    signingSecrets: (env.SLACK_SIGNING_SECRET ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    botToken: env.SLACK_BOT_TOKEN?.trim() || undefined,
    apiUrl: apiUrl ? (apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`) : undefined,
    topic: env.SLACK_EVENTS_TOPIC?.trim() || DEFAULT_TOPIC,
    dataDir: resolve(env.SLACKLINE_DATA_DIR?.trim() || ".slackline"),
    dedupTtlSeconds: envInt(env.DEDUP_TTL_SECONDS, DEFAULT_DEDUP_TTL_SECONDS, "DEDUP_TTL_SECONDS"),
    port: parsePort(env.PORT, DEFAULT_PORT, "PORT"),
    host: env.HOST?.trim() || DEFAULT_HOST,
    logLevel: env.LOG_LEVEL?.trim() || "info",
  };
}

const DEV_SECRET_FILE = "dev-signing-secret";

/** The development signing secret in the data dir, created on first use. */
export function devSigningSecret(
  dataDir: string,
  create: boolean,
): { secret: string; created: boolean } | null {
  const file = join(dataDir, DEV_SECRET_FILE);
  if (existsSync(file)) return { secret: readFileSync(file, "utf8").trim(), created: false };
  if (!create) return null;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(16).toString("hex");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, created: true };
}

/**
 * SLACK_SIGNING_SECRET, else the development secret: `send` reads an existing one (dev: false), `--dev`
 * creates it if needed. `start` and `gateway` never come here without --dev (serve/ingress.ts).
 */
export function signingSecretsOrDev(
  config: Config,
  options: { dev: boolean },
): { secrets: string[]; dev: boolean; created: boolean } {
  if (config.signingSecrets.length > 0) return { secrets: config.signingSecrets, dev: false, created: false };
  const dev = devSigningSecret(config.dataDir, options.dev);
  if (dev) return { secrets: [dev.secret], dev: true, created: dev.created };
  throw new ConfigError(
    "SLACK_SIGNING_SECRET is not set; set it to your Slack app's signing secret (Basic Information page), or run with --dev for a local development secret",
  );
}
