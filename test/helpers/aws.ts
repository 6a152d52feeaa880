import type { AddressInfo } from "node:net";
import dynalite from "dynalite";
import { buildApp } from "fauxqs";

/**
 * The AWS SDK v3 warns once per process that its 2027 releases need Node 22. It is true, and said in
 * docs/aws.md; in test output it is noise, and the CLI children inherit this too.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export interface AwsEmulators {
  /** fauxqs: SQS and SNS on one endpoint. */
  sqsUrl: string;
  /** dynalite: DynamoDB (in memory). */
  dynamodbUrl: string;
  /** What a Slackline process (or a CLI child) needs to reach them with the real AWS SDK clients. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts fauxqs (SQS + SNS) and dynalite (DynamoDB) in this process on loopback port 0. Child
 * processes reach them over TCP at the URLs in `env`, so one test process can host them for a CLI
 * gateway and several workers. Each call starts fresh, empty emulators.
 */
export async function startAwsEmulators(): Promise<AwsEmulators> {
  // buildApp + listen rather than startFauxqs(), which listens on every interface.
  const fauxqs = buildApp({ logger: false });
  const sqsUrl = await fauxqs.listen({ port: 0, host: "127.0.0.1" });
  // Tables become ACTIVE at once instead of after dynalite's default 500 ms.
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynamo.once("error", reject);
    dynamo.listen(0, "127.0.0.1", () => resolve());
  });
  const dynamodbUrl = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
  return {
    sqsUrl,
    dynamodbUrl,
    env: {
      AWS_REGION: "us-east-1",
      // The emulators accept any credentials; the SDK still wants some to sign with.
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_ENDPOINT_URL_SQS: sqsUrl,
      AWS_ENDPOINT_URL_SNS: sqsUrl,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbUrl,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    stop: async () => {
      await fauxqs.close();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}
