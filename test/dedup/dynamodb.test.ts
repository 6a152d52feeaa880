import { randomUUID } from "node:crypto";
import {
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDedupStore, dynamodbDedupFactory } from "../../src/dedup/dynamodb.js";
import { resolveDedupStore, resolveMarkerStore } from "../../src/dedup/registry.js";
import { hasCode } from "../../src/errors.js";
import { SqsQueue } from "../../src/queue/backends/sqs.js";
import { dedupStoreContract } from "../../src/testing/contract.js";
import { type AwsEmulators, startAwsEmulators } from "../helpers/aws.js";
import { sleep } from "../helpers/wait.js";

let aws: AwsEmulators;
let raw: DynamoDBClient;
const table = `slackline-test-${randomUUID().slice(0, 8)}`;
const env = () => ({ ...aws.env, DYNAMODB_TABLE: table, SLACKLINE_CREATE_RESOURCES: "1" });

describe("dynamodb dedup store on dynalite", () => {
  beforeAll(async () => {
    aws = await startAwsEmulators();
    raw = new DynamoDBClient({
      region: "us-east-1",
      endpoint: aws.dynamodbUrl,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
  });
  afterAll(async () => {
    raw?.destroy();
    await aws?.stop();
  });

  dedupStoreContract({ name: "dynamodb", create: () => DynamoDedupStore.fromEnv(env()) });

  it("creates its table in development (dynalite has no UpdateTimeToLive: tolerated)", async () => {
    const own = `slackline-test-${randomUUID().slice(0, 8)}`;
    const store = await dynamodbDedupFactory.fromEnv({ ...env(), DYNAMODB_TABLE: own });
    try {
      const { Table } = await raw.send(new DescribeTableCommand({ TableName: own }));
      expect(Table?.TableStatus).toBe("ACTIVE");
      expect(Table?.KeySchema).toEqual([{ AttributeName: "pk", KeyType: "HASH" }]);
      expect(Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    } finally {
      await store.close();
      await raw.send(new DeleteTableCommand({ TableName: own }));
    }
  });

  it("without SLACKLINE_CREATE_RESOURCES a missing table is an error naming it", async () => {
    const err = await DynamoDedupStore.fromEnv({ ...aws.env, DYNAMODB_TABLE: "nope-table" }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(hasCode(err, "SLACKLINE_RESOURCE_MISSING")).toBe(true);
    expect(err?.message).toContain('DynamoDB table "nope-table"');
  });

  it("writes the TTL attribute (epoch seconds) DynamoDB's own expiry reads, and enforces expiry itself", async () => {
    const store = await DynamoDedupStore.fromEnv(env());
    try {
      const key = `k:${randomUUID()}`;
      const before = Date.now();
      await store.confirm(key, 3600);
      const { Item } = await raw.send(new GetItemCommand({ TableName: table, Key: { pk: { S: key } } }));
      expect(Item?.state?.S).toBe("done");
      const ttl = Number(Item?.ttl?.N);
      expect(ttl).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 3600);
      expect(ttl).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);
      // dynalite never deletes expired items (as DynamoDB may not for days): still an accepted claim.
      const short = `k:${randomUUID()}`;
      await store.mark(short, 0.2);
      await sleep(300);
      expect(
        (await raw.send(new GetItemCommand({ TableName: table, Key: { pk: { S: short } } }))).Item,
      ).toBeDefined();
      expect((await store.marked([short])).size).toBe(0);
      expect(await store.claim(short, 10)).toBe("claimed");
    } finally {
      await store.close();
    }
  });

  it("marks and looks up more keys than one batch request takes (25 writes, 100 reads)", async () => {
    const store = await DynamoDedupStore.fromEnv(env());
    try {
      const keys = Array.from({ length: 230 }, () => `m:${randomUUID()}`);
      const chosen = keys.filter((_, i) => i % 3 === 0);
      await store.markMany(chosen.slice(0, 40), 60);
      await Promise.all(chosen.slice(40).map((k) => store.mark(k, 60)));
      // The same key twice in a turn is one write (DynamoDB refuses duplicates in a batch).
      await Promise.all([store.mark(chosen[0]!, 60), store.mark(chosen[0]!, 120)]);
      const [all, some] = await Promise.all([store.marked(keys), store.marked(keys.slice(0, 10))]);
      expect([...all].sort()).toEqual([...chosen].sort());
      expect([...some].sort()).toEqual(
        keys
          .slice(0, 10)
          .filter((_, i) => i % 3 === 0)
          .sort(),
      );
    } finally {
      await store.close();
    }
  });

  it("is the sqs backend's store for claims and for the worker's markers", async () => {
    const queue = SqsQueue.fromEnv(env());
    const claims = await resolveDedupStore(env(), "sqs");
    const markers = await resolveMarkerStore(env(), queue);
    try {
      expect(claims.name).toBe("dynamodb");
      expect(markers.name).toBe("dynamodb");
    } finally {
      await Promise.all([claims.close(), markers.close(), queue.close()]);
    }
  });
});
