import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { SlacklineError } from "../../../errors.js";

/** JetStream answered an API call with this error code (`JetStreamApiCodes`). */
export const isJetStreamApiError = (err: unknown, ...codes: number[]): boolean =>
  err instanceof JetStreamApiError && codes.includes(err.code);

export const isStreamNotFound = (err: unknown): boolean =>
  isJetStreamApiError(err, JetStreamApiCodes.StreamNotFound);
export const isConsumerNotFound = (err: unknown): boolean =>
  isJetStreamApiError(err, JetStreamApiCodes.ConsumerNotFound);
/** A KV `create`/`update` lost its compare-and-set: another writer got there first. */
export const isWrongLastSequence = (err: unknown): boolean =>
  isJetStreamApiError(
    err,
    JetStreamApiCodes.StreamWrongLastSequence,
    JetStreamApiCodes.StreamWrongLastSequenceUnknown,
  );

export class NatsUnavailableError extends SlacklineError {
  constructor() {
    super("SLACKLINE_BACKEND_UNREACHABLE", "NATS is not connected (reconnecting)");
  }
}
