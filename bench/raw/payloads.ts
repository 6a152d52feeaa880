import { envelopeAroundRawBody, envelopeJson } from "../../src/envelope/envelope.js";
import { makeEvents } from "../lib/load.js";

export interface Payload {
  /** The envelope id (the event_id): the Nats-Msg-Id and AMQP message id the raw loops send. */
  id: string;
  /** The envelope's JSON, made as ingress makes it, around the request body as received. */
  json: string;
}

/** `count` unique envelopes as the queue carries them, serialised before any clock starts. */
export function envelopePayloads(count: number): Payload[] {
  return makeEvents(count).map((raw) => {
    const body = JSON.parse(raw) as { event_id: string; team_id: string };
    const envelope = envelopeAroundRawBody(
      {
        id: body.event_id,
        kind: "event",
        received_at: Date.now(),
        retry_num: 0,
        retry_reason: null,
        team_id: body.team_id,
      },
      body,
      raw,
    );
    return { id: envelope.id, json: envelopeJson(envelope) };
  });
}
