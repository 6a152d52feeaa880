import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { awsErrorName } from "../config/aws.js";
import { SlacklineError } from "../errors.js";
import { ResourceMissingError } from "../queue/backends/sqs/errors.js";

/** The item's attributes. `ttl` is what DynamoDB's own expiry reads (epoch seconds). */
export const ATTR = { key: "pk", state: "state", expiresAtMs: "expires_at_ms", ttl: "ttl" } as const;

const ACTIVE_WAIT_MS = 60_000;

/**
 * The table must exist (a start-up error naming it otherwise); with `create` it is made when
 * missing: key `pk` (string), on-demand billing, TTL on `ttl`. DynamoDB's TTL only deletes expired
 * items eventually (it can lag by days), so the store never relies on it: every read and condition
 * checks `expires_at_ms` itself, and TTL just keeps the table from growing.
 */
export async function ensureTable(client: DynamoDBClient, table: string, create: boolean): Promise<void> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === "ACTIVE") return;
    await waitActive(client, table);
    return;
  } catch (err) {
    if (awsErrorName(err) !== "ResourceNotFoundException") throw err;
    if (!create) throw new ResourceMissingError(`DynamoDB table "${table}" (DYNAMODB_TABLE) does not exist`);
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: ATTR.key, AttributeType: "S" }],
        KeySchema: [{ AttributeName: ATTR.key, KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  } catch (err) {
    // Another process is creating it at the same moment.
    if (awsErrorName(err) !== "ResourceInUseException") throw err;
  }
  await waitActive(client, table);
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: table,
        TimeToLiveSpecification: { AttributeName: ATTR.ttl, Enabled: true },
      }),
    );
  } catch (err) {
    // dynalite has no UpdateTimeToLive; a table whose TTL is on already refuses a second one. Either
    // way nothing is lost: expiry is enforced by the store's conditions, TTL only cleans up.
    const name = awsErrorName(err);
    if (name !== "UnknownOperationException" && name !== "ValidationException") throw err;
  }
}

async function waitActive(client: DynamoDBClient, table: string): Promise<void> {
  const deadline = Date.now() + ACTIVE_WAIT_MS;
  for (let delay = 50; ; delay = Math.min(1000, delay * 2)) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === "ACTIVE") return;
    if (Date.now() > deadline)
      throw new SlacklineError(
        "SLACKLINE_RESOURCE_MISSING",
        `DynamoDB table "${table}" is not ACTIVE after 60 s`,
      );
    await new Promise((r) => setTimeout(r, delay));
  }
}
