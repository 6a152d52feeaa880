import { SlacklineError } from "../errors.js";

/** A misconfiguration: its message is one line that names the fix. */
export class ConfigError extends SlacklineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SLACKLINE_CONFIG", message, options);
  }
}
