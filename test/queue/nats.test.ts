import { randomUUID } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, describe } from "vitest";
import { NatsQueue } from "../../src/queue/backends/nats.js";
import { publishOnceContract, queueBackendContract } from "../../src/testing/contract.js";
import { NATS_URL, requireService } from "../helpers/services.js";

const available = await requireService("NATS", NATS_URL);
// One prefix per run: every stream this file creates starts with it, and afterAll deletes them.
const prefix = `slt_${randomUUID().slice(0, 8)}`;
const env = { NATS_URL, NATS_STREAM_PREFIX: prefix };

describe.skipIf(!available)("nats", () => {
  afterAll(async () => {
    const nc = await connect({ servers: NATS_URL });
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names())
      if (name.startsWith(`${prefix}_`)) await jsm.streams.delete(name);
    await nc.close();
  });

  queueBackendContract({ name: "nats", create: () => NatsQueue.fromEnv(env) });
  publishOnceContract({ name: "nats", create: () => NatsQueue.fromEnv(env) });
});
