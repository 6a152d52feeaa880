import { readFileSync } from "node:fs";
import { signingSecretsOrDev } from "../../config/config.js";
import { ConfigError } from "../../config/config-error.js";
import { EXPLAIN_HEADER } from "../../ingress/results.js";
import { signSlackRequest } from "../../ingress/signature.js";
import { encodeAsSlack } from "../../testing/slack-request.js";
import { commandContext } from "../context.js";
import { describeAnswer, readAnswer, type SendAnswer } from "../send/outcome.js";
import { waitForOutcome } from "../send/wait.js";

export interface SendFlags {
  url?: string;
  retry?: number;
  times?: number;
  fresh?: boolean;
  /** true, or the seconds to wait at most (default 30). */
  wait?: boolean | string;
}

export const DEFAULT_WAIT_SECONDS = 30;

function waitSeconds(wait: SendFlags["wait"]): number | null {
  if (wait === undefined || wait === false) return null;
  if (wait === true) return DEFAULT_WAIT_SECONDS;
  const n = Number(wait);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(`--wait takes a number of seconds > 0 (got ${wait})`);
  return n;
}

/**
 * `slackline send <payload.json|->`: signs and posts as Slack would, printing what became of each
 * request (queued as, duplicate of, answered inline); with --wait, then what the worker did with it.
 */
export async function send(file: string, flags: SendFlags): Promise<number> {
  const timeoutSeconds = waitSeconds(flags.wait);
  // stdout is what happened; logs, if any, go to stderr.
  const { config } = commandContext({}, { logTo: "stderr" });
  const { secrets } = signingSecretsOrDev(config, { dev: false });
  const text = file === "-" ? readFileSync(0, "utf8") : readFileSync(file, "utf8");
  const encoded = encodeAsSlack(text, Boolean(flags.fresh));
  const url = flags.url ?? `http://${config.host}:${config.port}/slack/events`;
  const times = flags.times ?? 1;
  const answers = await Promise.all(
    Array.from({ length: times }, async (_, i): Promise<SendAnswer | null> => {
      const { timestamp, signature } = signSlackRequest(secrets[0]!, encoded.body);
      const retry = flags.retry !== undefined ? flags.retry + i : i > 0 ? i : undefined;
      const headers: Record<string, string> = {
        "content-type": encoded.contentType,
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature,
        [EXPLAIN_HEADER]: "1",
      };
      if (retry !== undefined && retry > 0) {
        headers["x-slack-retry-num"] = String(retry);
        headers["x-slack-retry-reason"] = "http_timeout";
      }
      try {
        const answer = await readAnswer(await fetch(url, { method: "POST", headers, body: encoded.body }));
        console.log(describeAnswer(answer));
        return answer;
      } catch (err) {
        console.log(`error ${(err as Error).message}: is slackline running at ${url}?`);
        return null;
      }
    }),
  );
  const allOk = answers.every((a) => a !== null && a.status >= 200 && a.status < 300);
  if (timeoutSeconds === null) return allOk ? 0 : 1;
  const queued = answers.find((a) => a?.id && (a.outcome === "accepted" || a.outcome === "duplicate"));
  if (!queued?.id) {
    console.log("  nothing was queued: nothing to wait for");
    return allOk ? 0 : 1;
  }
  const waited = await waitForOutcome({
    origin: new URL(url).origin,
    id: queued.id,
    timeoutMs: timeoutSeconds * 1000,
    token: config.env.SLACKLINE_DASHBOARD_TOKEN?.trim() || undefined,
    print: (line) => console.log(line),
    duplicate: queued.outcome === "duplicate",
  });
  return allOk ? waited : 1;
}
