import { randomUUID } from "node:crypto";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { afterAll, describe } from "vitest";
import { NatsDedupStore } from "../../src/dedup/nats.js";
import { dedupStoreContract } from "../../src/testing/contract.js";
import { NATS_URL, requireService } from "../helpers/services.js";

const available = await requireService("NATS", NATS_URL);
// A bucket of its own per run, destroyed at the end.
const bucket = `slt_dedup_${randomUUID().slice(0, 8)}`;

describe.skipIf(!available)("nats dedup", () => {
  afterAll(async () => {
    const nc = await connect({ servers: NATS_URL });
    await (await new Kvm(nc).open(bucket)).destroy();
    await nc.close();
  });

  dedupStoreContract({
    name: "nats",
    create: () => NatsDedupStore.fromEnv({ NATS_URL, NATS_DEDUP_BUCKET: bucket }),
  });
});
