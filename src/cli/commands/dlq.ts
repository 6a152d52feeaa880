import { ConfigError } from "../../config/config-error.js";
import { commandContext } from "../context.js";
import { openBackend } from "../runtime.js";

export interface DlqFlags {
  id?: string[];
  limit?: number;
}

/** `slackline dlq list | replay [--id ID] | purge [--id ID]` on the configured backend and topic. */
export async function dlq(action: string, flags: DlqFlags): Promise<number> {
  if (!["list", "replay", "purge"].includes(action))
    throw new ConfigError(`unknown dlq action "${action}"; use list, replay or purge`);
  const { config, logger } = commandContext({}, { logTo: "stderr" });
  const backend = await openBackend(config, logger);
  try {
    const ids = flags.id && flags.id.length > 0 ? { ids: flags.id } : {};
    if (action === "list") {
      const dead = await backend.listDeadLetters(config.topic, { limit: flags.limit ?? 100 });
      for (const d of dead) {
        const body = d.message.body as Record<string, unknown>;
        const event = body.event as Record<string, unknown> | undefined;
        console.log(
          JSON.stringify({
            id: d.id,
            event_id: d.message.id,
            kind: d.message.kind,
            type: event?.type ?? body.type ?? body.command,
            group: d.group,
            attempts: d.attempts,
            dead_at: new Date(d.dead_at).toISOString(),
            reason: d.reason,
          }),
        );
      }
      console.error(`${dead.length} dead letter(s) in ${config.topic}.dlq`);
    } else if (action === "replay") {
      console.log(`replayed ${await backend.replayDeadLetters(config.topic, ids)} dead letter(s)`);
    } else {
      console.log(`purged ${await backend.purgeDeadLetters(config.topic, ids)} dead letter(s)`);
    }
    return 0;
  } finally {
    await backend.close();
  }
}
