import { gunzipSync, gzipSync } from "node:zlib";
import { type Envelope, isEnvelope } from "../../../envelope/envelope.js";

export const ENVELOPE_EVENT = "slackline_envelope";
export const PART_EVENT = "slackline_envelope_part";
export const DEAD_EVENT = "slackline_dead_letter";

/**
 * Slack caps message metadata (8 KB serialized, which the fake enforces too). We stay under this
 * many bytes: the envelope as JSON when it fits, else gzip+base64, else gzip+base64 split over
 * thread replies (one part each) that consumers read back with conversations.replies.
 */
export const METADATA_BUDGET = 7800;

/** Scalar fields next to the body (topic, id, attempt...). Flat, as Slack's metadata schema wants. */
export type Fields = Record<string, string | number>;

export interface Metadata {
  event_type: string;
  event_payload: Record<string, string | number>;
}

export interface Encoded {
  metadata: Metadata;
  /** Thread replies to post under the message, in order (empty unless the body is large). */
  parts: Metadata[];
}

const size = (m: Metadata): number => Buffer.byteLength(JSON.stringify(m));

export function encode(eventType: string, fields: Fields, envelope: Envelope): Encoded {
  const json = JSON.stringify(envelope);
  const plain: Metadata = { event_type: eventType, event_payload: { ...fields, f: "json", d: json } };
  if (size(plain) <= METADATA_BUDGET) return { metadata: plain, parts: [] };
  const packed = gzipSync(json).toString("base64");
  const gz: Metadata = { event_type: eventType, event_payload: { ...fields, f: "gz", d: packed } };
  if (size(gz) <= METADATA_BUDGET) return { metadata: gz, parts: [] };
  const chunk = METADATA_BUDGET - 200;
  const parts: Metadata[] = [];
  for (let i = 0; i * chunk < packed.length; i++) {
    parts.push({ event_type: PART_EVENT, event_payload: { i, d: packed.slice(i * chunk, (i + 1) * chunk) } });
  }
  return {
    metadata: { event_type: eventType, event_payload: { ...fields, f: "parts", n: parts.length } },
    parts,
  };
}

/** The envelope back; `parts` are the replies' payloads when the body was split. Null when malformed. */
export function decode(
  payload: Record<string, unknown>,
  parts: Record<string, unknown>[] = [],
): Envelope | null {
  try {
    let json: string;
    if (payload.f === "json" && typeof payload.d === "string") json = payload.d;
    else if (payload.f === "gz" && typeof payload.d === "string")
      json = gunzipSync(Buffer.from(payload.d, "base64")).toString();
    else if (payload.f === "parts") {
      const data = [...parts].sort((a, b) => Number(a.i) - Number(b.i)).map((p) => String(p.d));
      json = gunzipSync(Buffer.from(data.join(""), "base64")).toString();
    } else return null;
    const envelope: unknown = JSON.parse(json);
    return isEnvelope(envelope) ? envelope : null;
  } catch {
    return null;
  }
}

/** How many thread replies a message's body needs (0 when it is inline). */
export const partsNeeded = (payload: Record<string, unknown>): number =>
  payload.f === "parts" ? Number(payload.n) || 0 : 0;
