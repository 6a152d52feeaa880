import { afterAll, describe } from "vitest";
import { publishOnceContract, queueBackendContract } from "../../src/testing/contract.js";
import { REDIS_URL, requireService } from "../helpers/services.js";
import { redisTestSpace } from "./redis-helpers.js";

const available = await requireService("Redis", REDIS_URL);
const space = redisTestSpace("contract");

describe.skipIf(!available)("redis backend", () => {
  afterAll(() => space.cleanup());
  queueBackendContract({ name: "redis", create: () => space.open() });
  publishOnceContract({ name: "redis", create: () => space.open() });
});
