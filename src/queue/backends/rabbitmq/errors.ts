import { SlacklineError } from "../../../errors.js";

export class AmqpUnavailableError extends SlacklineError {
  constructor() {
    super("SLACKLINE_BACKEND_UNREACHABLE", "RabbitMQ is not connected (reconnecting)");
  }
}

/** The broker had no queue bound for the message (mandatory publish came back). */
export class UnroutableError extends SlacklineError {
  constructor(exchange: string, routingKey: string, reply: string) {
    super(
      "SLACKLINE_PUBLISH_UNROUTABLE",
      `RabbitMQ returned the message published to "${exchange}" / "${routingKey}": ${reply}`,
    );
  }
}

export class ChannelLostError extends SlacklineError {
  constructor() {
    super(
      "SLACKLINE_CHANNEL_LOST",
      "the channel closed before this settle; the broker redelivers the message to the group",
    );
  }
}
