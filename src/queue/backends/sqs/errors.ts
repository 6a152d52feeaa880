import { SlacklineError } from "../../../errors.js";

/** A topic, queue, subscription or table the deployment needs is not there (and was not to be created). */
export class ResourceMissingError extends SlacklineError {
  constructor(what: string, options?: { cause?: unknown }) {
    super(
      "SLACKLINE_RESOURCE_MISSING",
      `${what}; create it (examples/aws deploys every resource) or set SLACKLINE_CREATE_RESOURCES=1 to have Slackline create what is missing`,
      options,
    );
  }
}

/** A message over what SNS or SQS accept in one message (256 KiB for SNS). */
export class MessageTooLargeError extends SlacklineError {
  constructor(bytes: number, limit: number, where: string) {
    super(
      "SLACKLINE_MESSAGE_TOO_LARGE",
      `message of ${bytes} bytes is over the ${limit}-byte limit of ${where}`,
    );
  }
}
