/** The Socket Mode envelope types that carry a delivery (Slack also sends `hello` and `disconnect`). */
export type SocketEnvelopeType = "events_api" | "interactive" | "slash_commands";

/** Why Slack asks a client to go: `warning` comes about 10 s before `refresh_requested`. */
export type DisconnectReason = "warning" | "refresh_requested" | "link_disabled" | (string & {});

/** One envelope as it went over a WebSocket (a first delivery or a redelivery). */
export interface SocketModeAttempt {
  envelope_id: string;
  /** 0 on the first delivery, then 1, 2, ... */
  retry_attempt: number;
  retry_reason: string;
  /** The connection it went to (`SocketModeConnectionInfo.id`). */
  connection: number;
  /** Milliseconds since the epoch. */
  at: number;
}

/** An ack the client sent back: `{ envelope_id, payload? }`. */
export interface SocketModeAck {
  envelope_id: string;
  /** The ack's `payload` (a command's reply, options, a `response_action`), if it had one. */
  payload: Record<string, unknown> | undefined;
  connection: number;
  /** Milliseconds since the epoch. */
  at: number;
  /** Milliseconds (fractional) from sending the envelope to its ack; 0 for an envelope it did not send. */
  ms: number;
}

/** One delivery the stand-in made, with its redeliveries until it was acked (or given up on). */
export interface SocketModeDelivery {
  type: SocketEnvelopeType;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  /** Every time it went out, oldest first: a redelivery has a new envelope_id and retry_attempt + 1. */
  readonly attempts: readonly SocketModeAttempt[];
  /** The first ack of any of its attempts, once it came. */
  readonly ack: SocketModeAck | undefined;
  /** True once its redeliveries ran out unacked (as Slack gives up). */
  readonly gaveUp: boolean;
  /** Resolves with the first ack; rejects when the stand-in gives up on it or closes. */
  readonly acked: Promise<SocketModeAck>;
}

export interface SendOptions {
  /** Default: true for `slash_commands` and `interactive`, false for `events_api`. */
  acceptsResponsePayload?: boolean;
  /** Sent as `retry_attempt` / `retry_reason` (as if Slack's earlier tries had gone unacked). */
  retryAttempt?: number;
  retryReason?: string;
  /** Only to this connection (its id); by default the open connections take turns. */
  connection?: number;
  /** Redeliver it if unacked (default true). */
  redeliver?: boolean;
}

/** An open connection, as tests see it. */
export interface SocketModeConnectionInfo {
  id: number;
  /** Milliseconds since the epoch when the client connected. */
  openedAt: number;
  /** Pings the client sent that were answered. */
  readonly pingsAnswered: number;
}
