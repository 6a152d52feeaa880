import { JetStreamApiError } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { SlacklineError } from "../../../errors.js";
import type { Replies } from "./replies.js";

/** What JetStream answers a publish with once the message is stored. */
export interface StoredAck {
  seq: number;
  /** The Nats-Msg-Id was already in the duplicate window: this is the sequence of the first copy. */
  duplicate: boolean;
}

interface Pending {
  subject: string;
  data: string;
  msgID: string | undefined;
  resolve: (ack: StoredAck) => void;
  reject: (err: unknown) => void;
}

const MSG_ID = "Nats-Msg-Id";

/** A PubAck's JSON, or throws the error JetStream answered instead. */
export function parsePubAck(data: Uint8Array): StoredAck {
  const reply = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString()) as {
    seq?: number;
    duplicate?: boolean;
    error?: { code: number; err_code?: number; description: string };
  };
  if (reply.error) throw new JetStreamApiError({ err_code: 0, ...reply.error });
  if (typeof reply.seq !== "number")
    throw new SlacklineError("SLACKLINE_PUBLISH_FAILED", "JetStream answered an invalid PubAck");
  return { seq: reply.seq, duplicate: reply.duplicate === true };
}

/**
 * JetStream publishes, each resolved by its PubAck (the message is stored). Those asked for in one
 * event-loop turn leave together in the check phase right after, so the client writes them to the
 * socket at once: ingress publishes one message per request, each from its own socket's callback,
 * and the client would otherwise make a system call per message.
 */
export class TurnPublisher {
  private pending: Pending[] = [];

  constructor(private readonly replies: Replies) {}

  /** `msgID` is the Nats-Msg-Id: JetStream drops a copy of it inside the stream's duplicate window. */
  publish(subject: string, data: string, msgID?: string): Promise<StoredAck> {
    return new Promise<StoredAck>((resolve, reject) => {
      if (this.pending.push({ subject, data, msgID, resolve, reject }) === 1) setImmediate(this.flush);
    });
  }

  /** Sends what is pending now (a closing owner calls this before its connection goes). */
  readonly flush = (): void => {
    const batch = this.pending;
    this.pending = [];
    for (const p of batch) {
      let headers: ReturnType<typeof natsHeaders> | undefined;
      if (p.msgID !== undefined) {
        headers = natsHeaders();
        headers.set(MSG_ID, p.msgID);
      }
      this.replies.send(p.subject, p.data, headers, (err, reply) => {
        if (err) return p.reject(err);
        try {
          p.resolve(parsePubAck(reply!.data));
        } catch (parseErr) {
          p.reject(parseErr);
        }
      });
    }
  };
}
