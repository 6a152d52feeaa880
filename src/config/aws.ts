import type { Env } from "./env.js";

/** The services Slackline talks to, by the suffix of their AWS_ENDPOINT_URL_<SERVICE> variable. */
export type AwsService = "SQS" | "SNS" | "DYNAMODB";

/** What every AWS SDK v3 client of Slackline is built with (a subset of each client's config). */
export interface AwsClientSettings {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts?: number;
}

/**
 * Region, endpoint and credentials from `env`, in the AWS SDK's own precedence
 * (AWS_ENDPOINT_URL_<SERVICE> over AWS_ENDPOINT_URL; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns
 * both off). The SDK reads these variables from process.env by itself; they are passed explicitly
 * because a factory's `env` is not always process.env (a `.env` file underneath it, a test's own
 * object). Whatever `env` leaves unset is left to the SDK's default chain (shared config files,
 * the Lambda or ECS role, instance metadata).
 */
export function awsClientSettings(env: Env, service: AwsService): AwsClientSettings {
  const settings: AwsClientSettings = {};
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim();
  if (region) settings.region = region;
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() !== "true") {
    const endpoint = env[`AWS_ENDPOINT_URL_${service}`]?.trim() || env.AWS_ENDPOINT_URL?.trim();
    if (endpoint) settings.endpoint = endpoint;
  }
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (accessKeyId && secretAccessKey) {
    const sessionToken = env.AWS_SESSION_TOKEN?.trim();
    settings.credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
  return settings;
}

/** The environment variables awsClientSettings() reads, for a backend's `envVars`. */
export const AWS_ENV_VARS = [
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_ENDPOINT_URL",
  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_PROFILE",
] as const;

/** The error name an AWS SDK v3 client gives a service error (`QueueDoesNotExist`, ...), or "". */
export function awsErrorName(err: unknown): string {
  if (typeof err !== "object" || err === null) return "";
  const e = err as { name?: unknown; Code?: unknown };
  return typeof e.name === "string" ? e.name : typeof e.Code === "string" ? e.Code : "";
}
