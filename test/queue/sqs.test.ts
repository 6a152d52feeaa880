import { afterAll, beforeAll, describe } from "vitest";
import { SqsQueue } from "../../src/queue/backends/sqs.js";
import { queueBackendContract } from "../../src/testing/contract.js";
import { type AwsEmulators, startAwsEmulators } from "../helpers/aws.js";

let aws: AwsEmulators;
// The contract publishes to group "g" before that group first consumes, as a deployment publishes
// before its workers start: it lists its groups in SLACKLINE_GROUPS.
const env = () => ({ ...aws.env, SLACKLINE_GROUPS: "default,g", SLACKLINE_CREATE_RESOURCES: "1" });

describe("sqs backend on fauxqs", () => {
  beforeAll(async () => {
    aws = await startAwsEmulators();
  });
  afterAll(async () => {
    await aws?.stop();
  });

  // SQS visibility timeouts are whole seconds: the lease-expiry tests run on 1 s leases. fauxqs is
  // stricter than SQS in two ways the contract checks, and no workaround was needed: it hands
  // messages out in publish order (standard SQS: best effort) and counts them exactly (SQS:
  // approximately, with some lag). The backend relies on neither; docs/aws.md says so.
  queueBackendContract({
    name: "sqs",
    create: () => SqsQueue.fromEnv(env()),
    leaseMs: 1000,
    skip: {
      "listDeadLetters reads a page at a time after a dead-letter id":
        "a DLQ is read by ReceiveMessage, in no order an id could resume: callers read it in one pass",
    },
  });
});
