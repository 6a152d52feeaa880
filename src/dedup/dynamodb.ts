import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { type AwsClientSettings, awsClientSettings, awsErrorName } from "../config/aws.js";
import type { Env } from "../config/env.js";
import { SlacklineError } from "../errors.js";
import { InFlight } from "../queue/in-flight.js";
import { TurnBatcher } from "../queue/turn-batcher.js";
import { ATTR, ensureTable } from "./dynamodb-table.js";
import { type ClaimResult, type DedupStore, type DedupStoreFactory, NONE_MARKED } from "./types.js";

export interface DynamoDedupOptions {
  client: AwsClientSettings;
  /** DYNAMODB_TABLE. */
  table: string;
  /** SLACKLINE_CREATE_RESOURCES=1: create the table when it is missing. */
  createResources: boolean;
}

export const DEFAULT_DYNAMODB_TABLE = "slackline-dedup";

const PENDING = "pending";
const DONE = "done";
/** DynamoDB's limits: 25 writes per BatchWriteItem, 100 keys per BatchGetItem. */
const MAX_BATCH_WRITE = 25;
const MAX_BATCH_GET = 100;
/** Unprocessed items and keys (throttling) are retried this many times, with backoff, before failing. */
const UNPROCESSED_RETRIES = 8;

const NAMES = { "#pk": ATTR.key, "#st": ATTR.state, "#exp": ATTR.expiresAtMs };

const isConditionFailed = (err: unknown): boolean => awsErrorName(err) === "ConditionalCheckFailedException";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function item(key: string, state: string, ttlMs: number, now: number): Record<string, AttributeValue> {
  const expiresAt = now + ttlMs;
  return {
    [ATTR.key]: { S: key },
    [ATTR.state]: { S: state },
    [ATTR.expiresAtMs]: { N: String(expiresAt) },
    [ATTR.ttl]: { N: String(Math.ceil(expiresAt / 1000)) },
  };
}

/** The item's state, or null when it is absent or past its own expiry (whether or not TTL deleted it). */
function liveState(found: Record<string, AttributeValue> | undefined, now: number): string | null {
  if (!found) return null;
  const expiresAt = Number(found[ATTR.expiresAtMs]?.N);
  if (!(expiresAt > now)) return null;
  return found[ATTR.state]?.S ?? null;
}

/**
 * DedupStore on a DynamoDB table, one item per key: `pending` while a claim's publish is not yet
 * confirmed (a short expiry), then `done` for the dedup window; the worker's processed-markers are
 * `done` items too. A claim is one conditional PutItem, so exactly one of racing gateways wins.
 * Expiry is the writer's clock (epoch ms in the item): keep hosts NTP-synced, as Lambda's are.
 */
export class DynamoDedupStore implements DedupStore {
  readonly name = "dynamodb";
  private readonly markBatch: TurnBatcher<[string, number], undefined>;
  private readonly lookupBatch: TurnBatcher<readonly string[], ReadonlySet<string>>;
  private readonly inFlight = new InFlight();

  constructor(
    readonly client: DynamoDBClient,
    readonly table: string,
  ) {
    // A worker marks and looks up many deliveries at once: one batch request per turn for each.
    this.markBatch = new TurnBatcher(async (marks: Array<[string, number]>) => {
      await this.inFlight.track(this.writeDone(marks));
      return new Array<undefined>(marks.length);
    });
    this.lookupBatch = new TurnBatcher(async (lookups: Array<readonly string[]>) => {
      const all = new Set<string>();
      for (const keys of lookups) for (const key of keys) all.add(key);
      const done = await this.inFlight.track(this.readDone([...all]));
      return lookups.map((keys) => {
        let found: Set<string> | undefined;
        for (const key of keys) {
          if (!done.has(key)) continue;
          found ??= new Set();
          found.add(key);
        }
        return found ?? NONE_MARKED;
      });
    });
  }

  static async open(options: DynamoDedupOptions): Promise<DynamoDedupStore> {
    const client = new DynamoDBClient(options.client);
    try {
      await ensureTable(client, options.table, options.createResources);
    } catch (err) {
      client.destroy();
      throw err;
    }
    return new DynamoDedupStore(client, options.table);
  }

  static fromEnv(env: Env): Promise<DynamoDedupStore> {
    return DynamoDedupStore.open({
      client: awsClientSettings(env, "DYNAMODB"),
      table: env.DYNAMODB_TABLE?.trim() || DEFAULT_DYNAMODB_TABLE,
      createResources: env.SLACKLINE_CREATE_RESOURCES?.trim() === "1",
    });
  }

  async claim(key: string, pendingTtlSeconds: number): Promise<ClaimResult> {
    // Each lap loses a race with an expiry or a release; a few laps settle it.
    for (let lap = 0; lap < 3; lap++) {
      const now = Date.now();
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: item(key, PENDING, pendingTtlSeconds * 1000, now),
            // Expired counts as absent: DynamoDB's TTL deletes late, so the condition enforces expiry.
            ConditionExpression: "attribute_not_exists(#pk) OR #exp <= :now",
            ExpressionAttributeNames: { "#pk": ATTR.key, "#exp": ATTR.expiresAtMs },
            ExpressionAttributeValues: { ":now": { N: String(now) } },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return "claimed";
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
        // DynamoDB returns the item that failed the condition; emulators may not: read it then.
        const held = (err as { Item?: Record<string, AttributeValue> }).Item ?? (await this.get(key));
        const state = liveState(held, Date.now());
        if (state === DONE) return "duplicate";
        if (state === PENDING) return "in_flight";
      }
    }
    return "in_flight";
  }

  async confirm(key: string, ttlSeconds: number): Promise<void> {
    await this.client.send(
      new PutItemCommand({ TableName: this.table, Item: item(key, DONE, ttlSeconds * 1000, Date.now()) }),
    );
  }

  /** Only a pending claim is removed: a confirmed key stays a duplicate. */
  async release(key: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.table,
          Key: { [ATTR.key]: { S: key } },
          ConditionExpression: "#st = :pending",
          ExpressionAttributeNames: { "#st": ATTR.state },
          ExpressionAttributeValues: { ":pending": { S: PENDING } },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }

  mark(key: string, ttlSeconds: number): Promise<void> {
    return this.markBatch.add([key, ttlSeconds * 1000]);
  }

  markMany(keys: readonly string[], ttlSeconds: number): Promise<void> {
    const ttlMs = ttlSeconds * 1000;
    if (keys.length === 0) return Promise.resolve();
    return this.inFlight.track(this.writeDone(keys.map((key) => [key, ttlMs] as const)));
  }

  marked(keys: readonly string[]): Promise<ReadonlySet<string>> {
    return keys.length === 0 ? Promise.resolve(NONE_MARKED) : this.lookupBatch.add(keys);
  }

  async close(): Promise<void> {
    this.markBatch.flush();
    this.lookupBatch.flush();
    // What flush() sent finishes before the connections go.
    await this.inFlight.settled();
    this.client.destroy();
  }

  private async get(key: string): Promise<Record<string, AttributeValue> | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { [ATTR.key]: { S: key } }, ConsistentRead: true }),
    );
    return Item;
  }

  /** `done` items, 25 per BatchWriteItem (one key once per request: DynamoDB refuses duplicates). */
  private async writeDone(marks: ReadonlyArray<readonly [string, number]>): Promise<void> {
    const longest = new Map<string, number>();
    for (const [key, ttlMs] of marks) longest.set(key, Math.max(ttlMs, longest.get(key) ?? 0));
    const now = Date.now();
    const requests: WriteRequest[] = [...longest].map(([key, ttlMs]) => ({
      PutRequest: { Item: item(key, DONE, ttlMs, now) },
    }));
    const chunks: WriteRequest[][] = [];
    for (let i = 0; i < requests.length; i += MAX_BATCH_WRITE)
      chunks.push(requests.slice(i, i + MAX_BATCH_WRITE));
    await Promise.all(chunks.map((chunk) => this.batchWrite(chunk)));
  }

  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let retry = 0; pending.length > 0; retry++) {
      if (retry > UNPROCESSED_RETRIES)
        throw new SlacklineError(
          "SLACKLINE_BACKEND_THROTTLED",
          `DynamoDB left ${pending.length} writes unprocessed`,
        );
      if (retry > 0) await sleep(Math.min(2000, 25 * 2 ** retry));
      const { UnprocessedItems } = await this.client.send(
        new BatchWriteItemCommand({ RequestItems: { [this.table]: pending } }),
      );
      pending = UnprocessedItems?.[this.table] ?? [];
    }
  }

  /** The keys among `keys` that are done and unexpired: 100 per BatchGetItem, consistent reads. */
  private async readDone(keys: string[]): Promise<Set<string>> {
    const chunks: string[][] = [];
    for (let i = 0; i < keys.length; i += MAX_BATCH_GET) chunks.push(keys.slice(i, i + MAX_BATCH_GET));
    const done = new Set<string>();
    await Promise.all(
      chunks.map(async (chunk) => {
        let pending: Array<Record<string, AttributeValue>> = chunk.map((key) => ({ [ATTR.key]: { S: key } }));
        for (let retry = 0; pending.length > 0; retry++) {
          if (retry > UNPROCESSED_RETRIES)
            throw new SlacklineError(
              "SLACKLINE_BACKEND_THROTTLED",
              `DynamoDB left ${pending.length} reads unprocessed`,
            );
          if (retry > 0) await sleep(Math.min(2000, 25 * 2 ** retry));
          const out = await this.client.send(
            new BatchGetItemCommand({
              RequestItems: {
                [this.table]: {
                  Keys: pending,
                  // A marker written a moment ago by another worker must be seen.
                  ConsistentRead: true,
                  ProjectionExpression: "#pk, #st, #exp",
                  ExpressionAttributeNames: NAMES,
                },
              },
            }),
          );
          const now = Date.now();
          for (const found of out.Responses?.[this.table] ?? []) {
            if (liveState(found, now) === DONE) done.add(found[ATTR.key]!.S!);
          }
          pending = out.UnprocessedKeys?.[this.table]?.Keys ?? [];
        }
      }),
    );
    return done;
  }
}

export const dynamodbDedupFactory: DedupStoreFactory = {
  name: "dynamodb",
  fromEnv: (env) => DynamoDedupStore.fromEnv(env),
};
