import { AWS_ENV_VARS } from "../../../config/aws.js";
import type { BackendInfo } from "../../types.js";
import { DEFAULT_LEASE_MS } from "../../types.js";

export const sqsInfo: BackendInfo = {
  name: "sqs",
  description: "Amazon SQS queues fed by an SNS topic (AWS_REGION, AWS credentials)",
  envVars: [
    ...AWS_ENV_VARS,
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_SNS",
    "SLACK_EVENTS_TOPIC",
    "SNS_TOPIC_ARN",
    "SLACKLINE_GROUPS",
    "SLACKLINE_CREATE_RESOURCES",
    "MAX_ATTEMPTS",
    "SQS_WAIT_TIME_SECONDS",
    "SQS_PUBLISH_TIMEOUT_MS",
    "SQS_RETENTION_SECONDS",
  ],
  connectionVariable: "AWS_REGION / AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL_SNS / AWS credentials",
  // DynamoDB: the store every gateway (or ingress Lambda) of the deployment can share.
  defaultDedupStore: () => "dynamodb",
  defaultLeaseMs: DEFAULT_LEASE_MS,
};
