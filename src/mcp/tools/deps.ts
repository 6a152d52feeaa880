import type { WebClient } from "@slack/web-api";
import type { Logger } from "../../observability/logger.js";
import type { EventInbox } from "../inbox/inbox.js";
import type { WritePolicy } from "../write-policy.js";

/** What the tools share, whichever transport and session they serve. */
export interface ToolDeps {
  slack: WebClient;
  policy: WritePolicy;
  /** Null when the inbox is off: slack_wait_for_events is not offered. */
  inbox: EventInbox | null;
  logger: Logger;
}
