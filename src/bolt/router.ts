import type { App } from "@slack/bolt";
import type { Envelope } from "../envelope/envelope.js";
import { errorMessage } from "../errors.js";
import type { HandlerContext } from "../handlers/context.js";
import type { ResponderContext } from "../handlers/responders.js";
import { Router } from "../handlers/router.js";
import { ANSWERED_INLINE, NEVER, queuedAck } from "./acks.js";
import type { SlacklineReceiver } from "./receiver.js";

/** What a listener finds in `context.slackline`. */
export interface SlacklineBoltContext {
  /** "answer": in the process that answers Slack, until ack(); "queue": in the worker. */
  phase: "answer" | "queue";
  envelopeId: string;
  /** The worker's delivery attempt (1 first); 0 in the answer phase. */
  attempt: number;
}

type ProcessEvent = App["processEvent"];
type BoltEvent = Parameters<ProcessEvent>[0];

const boltEvent = (
  envelope: Envelope,
  ack: BoltEvent["ack"],
  slackline: SlacklineBoltContext,
): BoltEvent => ({
  body: envelope.body as BoltEvent["body"],
  ack,
  ...(envelope.retry_num > 0 ? { retryNum: envelope.retry_num } : {}),
  ...(envelope.retry_reason ? { retryReason: envelope.retry_reason } : {}),
  customProperties: { slackline },
});

/** A delivery failed when processEvent rejected or any of its errors reached the app's error handler. */
class BoltListenerError extends Error {
  constructor(errors: unknown[]) {
    const first = errors[0];
    super(
      errors.length === 1 && first instanceof Error
        ? first.message
        : `${errors.length} Bolt listener errors: ${errors.map(errorMessage).join("; ")}`,
      { cause: first },
    );
    this.name = first instanceof Error ? first.name : "BoltListenerError";
  }
}

/**
 * A Slackline router that runs a Bolt app. One queued route ("bolt") runs `app.processEvent` in the
 * worker for every delivery: its processed-marker covers the whole processEvent, and a listener
 * error fails the delivery (retried, then dead-lettered). Payloads whose ack body Slack reads
 * (options, view submissions, commands, legacy dialogs and messages) are also run inline, in the
 * process that answers Slack, up to the listener's ack(): its body is the answer.
 */
export function boltRouter(receiver: SlacklineReceiver): Router {
  const router = new Router();
  const app = receiver.boltApp;

  router.catchAll(
    "bolt",
    async (_payload: unknown, ctx: HandlerContext) => {
      const { envelope } = ctx;
      const record = await receiver.track(() =>
        app.processEvent(
          boltEvent(envelope, queuedAck(envelope, ctx.logger), {
            phase: "queue",
            envelopeId: envelope.id,
            attempt: ctx.attempt,
          }),
        ),
      );
      if (record.errors.length > 0) throw new BoltListenerError(record.errors);
    },
    { id: "bolt" },
  );

  // The answer phase: the listener's ack(body) is Slack's answer; its ack never resolves, so what
  // comes after it runs once, in the worker (where ack() resolves at once).
  const answer = (_payload: unknown, ctx: ResponderContext): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const ack = (response?: unknown) => {
        resolve(response);
        return NEVER;
      };
      const slackline = { phase: "answer" as const, envelopeId: ctx.envelope.id, attempt: 0 };
      receiver
        .track(() => app.processEvent(boltEvent(ctx.envelope, ack as BoltEvent["ack"], slackline)))
        .then(
          (record) =>
            record.errors.length > 0 ? reject(new BoltListenerError(record.errors)) : resolve(undefined),
          reject,
        );
    });
  for (const route of ANSWERED_INLINE) router.respond(route as "view_submission", answer as never);
  router.respond("/*", answer as never);
  return router;
}
