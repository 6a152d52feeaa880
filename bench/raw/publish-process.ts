// node --import tsx bench/raw/publish-process.ts <nats|rabbitmq> <events> <warm-up events> <concurrency>
// A raw publish loop in a process of its own, as each gateway runs in one: prints its result as JSON.
import { AMQP_URL, NATS_URL } from "../lib/services.js";
import { rawNatsPublishLoop } from "./nats.js";
import { envelopePayloads } from "./payloads.js";
import { rawRabbitPublishLoop } from "./rabbitmq.js";

const [backend, events, warmup, concurrency] = process.argv.slice(2);
const loop =
  backend === "nats"
    ? (p: ReturnType<typeof envelopePayloads>) => rawNatsPublishLoop(NATS_URL, p, Number(concurrency))
    : backend === "rabbitmq"
      ? (p: ReturnType<typeof envelopePayloads>) => rawRabbitPublishLoop(AMQP_URL, p, Number(concurrency))
      : null;
if (!loop) throw new Error(`no raw publish loop for "${backend}"`);
await loop(envelopePayloads(Number(warmup)));
console.log(JSON.stringify(await loop(envelopePayloads(Number(events)))));
