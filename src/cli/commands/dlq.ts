import { ConfigError } from "../../config/config-error.js";
import { readAllDeadLetters } from "../../dashboard/dead-letters.js";
import { typeOf } from "../../dashboard/describe.js";
import type { DeadLetter, QueueBackend } from "../../queue/types.js";
import { commandContext } from "../context.js";
import { openBackend } from "../runtime.js";

export interface DlqFlags {
  id?: string[];
  limit?: number;
}

/** Dead letters counted at most to say "N of M" (past it: "more than M"). */
const MAX_COUNT = 50_000;
const PAGE = 1000;

const plural = (n: number) => (n === 1 ? "dead letter" : "dead letters");

/**
 * `slackline dlq list | replay [--id ID] | purge [--id ID]` on the configured backend and topic.
 * Data goes to stdout (one JSON line per dead letter); the summary and every log line to stderr.
 */
export async function dlq(action: string, flags: DlqFlags): Promise<number> {
  if (!["list", "replay", "purge"].includes(action))
    throw new ConfigError(`unknown dlq action "${action}"; use list, replay or purge`);
  const { config, logger } = commandContext({}, { logTo: "stderr" });
  const backend = await openBackend(config, logger);
  const dlqName = `${config.topic}.dlq`;
  try {
    if (action === "list") return await list(backend, config.topic, dlqName, flags.limit ?? 100);
    return await settle(backend, config.topic, dlqName, action as "replay" | "purge", flags.id ?? []);
  } finally {
    await backend.close();
  }
}

async function list(backend: QueueBackend, topic: string, dlqName: string, limit: number): Promise<number> {
  const dead = await backend.listDeadLetters(topic, { limit });
  for (const d of dead) console.log(JSON.stringify(row(d)));
  if (dead.length < limit) {
    console.error(`${dead.length} ${plural(dead.length)} in ${dlqName}`);
    return 0;
  }
  // A full page: count them all, so the summary never passes a page for the whole queue.
  const all = await readAllDeadLetters(backend, topic, PAGE, MAX_COUNT);
  const total = all.truncated ? `more than ${all.letters.length}` : String(all.letters.length);
  const shown = all.letters.length > dead.length || all.truncated;
  console.error(
    shown
      ? `${dead.length} of ${total} dead letters in ${dlqName} (--limit ${limit}; raise it to see more)`
      : `${dead.length} ${plural(dead.length)} in ${dlqName}`,
  );
  return 0;
}

/** Replay or purge: all of them, or the ids given (each one that is not there is named, exit 1). */
async function settle(
  backend: QueueBackend,
  topic: string,
  dlqName: string,
  action: "replay" | "purge",
  ids: string[],
): Promise<number> {
  const done = action === "replay" ? "replayed" : "purged";
  const run = (options: { ids?: string[] }) =>
    action === "replay"
      ? backend.replayDeadLetters(topic, options)
      : backend.purgeDeadLetters(topic, options);
  if (ids.length === 0) {
    const n = await run({});
    console.log(`${done} ${n} ${plural(n)}`);
    return 0;
  }
  const { letters } = await readAllDeadLetters(backend, topic, PAGE, MAX_COUNT);
  const present = new Set(letters.map((d) => d.id));
  const found = ids.filter((id) => present.has(id));
  const missing = ids.filter((id) => !present.has(id));
  const n = found.length > 0 ? await run({ ids: found }) : 0;
  console.log(`${done} ${n} ${plural(n)}`);
  if (missing.length === 0) return 0;
  console.error(
    `not found in ${dlqName}: ${missing.join(", ")} (ids are the "id" field of \`slackline dlq list\`, not the event_id)`,
  );
  return 1;
}

function row(d: DeadLetter) {
  return {
    id: d.id,
    event_id: d.message.id,
    kind: d.message.kind,
    type: typeOf(d.message),
    group: d.group,
    attempts: d.attempts,
    dead_at: new Date(d.dead_at).toISOString(),
    reason: d.reason,
  };
}
