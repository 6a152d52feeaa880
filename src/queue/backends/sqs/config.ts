import { type AwsClientSettings, awsClientSettings } from "../../../config/aws.js";
import type { Env } from "../../../config/env.js";
import { envInt } from "../../../config/env-int.js";

export interface SqsOptions {
  sqs: AwsClientSettings;
  sns: AwsClientSettings;
  /** SLACK_EVENTS_TOPIC: the topic ping() checks (with the queues of `groups`). */
  topic: string;
  /** SNS_TOPIC_ARN: the ARN of `topic`'s SNS topic, which spares a ListTopics lookup. */
  topicArn: string | undefined;
  /** SLACKLINE_GROUPS: groups whose queues must exist (and be subscribed) before anything is published. */
  groups: string[];
  /** SLACKLINE_CREATE_RESOURCES=1: create the topic, queues and subscriptions that are missing. */
  createResources: boolean;
  /** MAX_ATTEMPTS: the redrive policy's maxReceiveCount on queues this backend creates. */
  maxAttempts: number;
  /** SQS_WAIT_TIME_SECONDS: long polling, 1-20 s per ReceiveMessage. */
  waitTimeSeconds: number;
  /** SQS_PUBLISH_TIMEOUT_MS: a publish not answered within this fails, so ingress answers 503 in time. */
  publishTimeoutMs: number;
  /** SQS_RETENTION_SECONDS: how long queues this backend creates keep a message (and its dead letter). */
  retentionSeconds: number;
}

/** The worker's default MAX_ATTEMPTS; the redrive policy counts receives to the same number. */
const DEFAULT_MAX_ATTEMPTS = 5;
/** SQS's maximum: 14 days, so a group can be down for as long as SQS allows before messages expire. */
const MAX_RETENTION_SECONDS = 1_209_600;

export function sqsOptionsFromEnv(env: Env): SqsOptions {
  const wait = envInt(env.SQS_WAIT_TIME_SECONDS, 20, "SQS_WAIT_TIME_SECONDS", 1);
  return {
    sqs: awsClientSettings(env, "SQS"),
    sns: awsClientSettings(env, "SNS"),
    topic: env.SLACK_EVENTS_TOPIC?.trim() || "slack_events",
    topicArn: env.SNS_TOPIC_ARN?.trim() || undefined,
    groups: (env.SLACKLINE_GROUPS ?? "default,mcp")
      .split(",")
      .map((g) => g.trim())
      .filter(Boolean),
    createResources: env.SLACKLINE_CREATE_RESOURCES?.trim() === "1",
    maxAttempts: envInt(env.MAX_ATTEMPTS, DEFAULT_MAX_ATTEMPTS, "MAX_ATTEMPTS", 1),
    waitTimeSeconds: Math.min(20, wait),
    publishTimeoutMs: envInt(env.SQS_PUBLISH_TIMEOUT_MS, 2000, "SQS_PUBLISH_TIMEOUT_MS", 100),
    retentionSeconds: Math.min(
      MAX_RETENTION_SECONDS,
      envInt(env.SQS_RETENTION_SECONDS, MAX_RETENTION_SECONDS, "SQS_RETENTION_SECONDS", 60),
    ),
  };
}
