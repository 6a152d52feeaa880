import amqp from "amqplib";
import { afterAll, describe } from "vitest";
import { RabbitQueue } from "../../src/queue/backends/rabbitmq.js";
import { queueBackendContract } from "../../src/testing/contract.js";
import { AMQP_URL, requireService } from "../helpers/services.js";

const available = await requireService("RabbitMQ", AMQP_URL);
const created: RabbitQueue[] = [];
// The contract publishes to group "g" before that group first consumes, as a deployment publishes
// before its workers start: it lists its groups in SLACKLINE_GROUPS ("default" stays in the list,
// and the contract's own test of this uses it).
const env = { AMQP_URL, SLACKLINE_GROUPS: "default,mcp,g" };

describe.skipIf(!available)("rabbitmq", () => {
  // Delete every exchange and queue the backends of this file declared.
  afterAll(async () => {
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createChannel();
    for (const q of created) {
      for (const name of q.topology.declaredQueues) await ch.deleteQueue(name);
      for (const name of q.topology.declaredExchanges) await ch.deleteExchange(name);
    }
    await conn.close();
  });

  queueBackendContract({
    name: "rabbitmq",
    skip: {
      "listDeadLetters reads a page at a time after a dead-letter id":
        "the DLQ is read by basic.get from its head: no cursor; callers read it in one pass",
    },
    create: async () => {
      const q = await RabbitQueue.fromEnv(env);
      created.push(q);
      return q;
    },
  });
});
