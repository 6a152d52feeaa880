import { type Config, ConfigError } from "../config/config.js";
import { withDeadline } from "../deadline.js";
import {
  dedupConnectionVariable,
  dedupStoreName,
  resolveDedupStore,
  resolveMarkerStore,
} from "../dedup/registry.js";
import type { DedupStore } from "../dedup/types.js";
import { hasCode } from "../errors.js";
import { IngressPublisher } from "../ingress/publisher.js";
import { type Logger, silentLogger } from "../observability/logger.js";
import { resolveBackend, UnknownBackendError } from "../queue/registry.js";
import type { QueueBackend } from "../queue/types.js";

const PING_TIMEOUT_MS = 5000;

/** Logs what a restart of a dependency would lose; a check that fails or hangs says nothing. */
async function warnIfVolatile(
  check: (() => Promise<string | null>) | undefined,
  logger: Logger,
): Promise<void> {
  if (!check) return;
  const warning = await withDeadline(check(), PING_TIMEOUT_MS, "persistence check").catch((err: unknown) => {
    logger.debug({ err }, "persistence check failed");
    return null;
  });
  if (warning) logger.warn(warning);
}

/** The configured queue backend, connected and answering; a ConfigError naming the fix otherwise. */
export async function openBackend(config: Config, logger: Logger): Promise<QueueBackend> {
  let resolved: Awaited<ReturnType<typeof resolveBackend>>;
  try {
    resolved = await resolveBackend(config.env);
  } catch (err) {
    if (err instanceof UnknownBackendError)
      throw new ConfigError(`${err.message}; set QUEUE_BACKEND to one of them`);
    throw err;
  }
  const variable = resolved.factory.connectionVariable ?? "its settings";
  let backend: QueueBackend;
  try {
    backend = await withDeadline(
      Promise.resolve(resolved.factory.fromEnv(config.env)),
      PING_TIMEOUT_MS,
      resolved.name,
    );
    await withDeadline(backend.ping(), PING_TIMEOUT_MS, resolved.name);
  } catch (err) {
    // Reached, but a topic or queue it needs is missing: the error names it and the fix.
    if (hasCode(err, "SLACKLINE_RESOURCE_MISSING"))
      throw new ConfigError(`queue backend "${resolved.name}": ${(err as Error).message}`, { cause: err });
    throw new ConfigError(
      `queue backend "${resolved.name}" is unreachable (${(err as Error).message}); start it or fix ${variable}`,
    );
  }
  await warnIfVolatile(backend.persistenceWarning?.bind(backend), logger);
  if (!backend.durable) {
    logger.warn(
      { backend: backend.name },
      "the memory queue backend is NOT durable: events are lost when this process exits (use it for tests and development only)",
    );
  }
  logger.info({ backend: backend.name, source: resolved.source }, "queue backend ready");
  return backend;
}

export interface DedupSetup {
  /** Processed-markers for a worker, and the ingress dedup when the backend has no publishOnce; null when neither runs here. */
  store: DedupStore | null;
  /** Null in a process without ingress. */
  publisher: IngressPublisher | null;
}

/**
 * The backend's own atomic publishOnce when it has one (and DEDUP_STORE does not ask for another),
 * else claim -> publish -> confirm through the dedup store. The store is opened only when this
 * process needs it: a gateway on a publishOnce backend never touches it.
 */
export async function openDedup(
  config: Config,
  backend: QueueBackend,
  uses: { ingress: boolean; worker: boolean },
  logger: Logger = silentLogger,
): Promise<DedupSetup> {
  const ingressUsesBackend = Boolean(backend.publishOnce) && !config.env.DEDUP_STORE;
  let store: DedupStore | null = null;
  if (uses.worker || (uses.ingress && !ingressUsesBackend)) {
    const name = dedupStoreName(config.env, backend.name);
    const unreachable = (err: unknown) =>
      new ConfigError(
        `dedup store "${name}" is unreachable (${(err as Error).message}); start it or fix ${dedupConnectionVariable(name)}${config.env.DEDUP_STORE ? " (or DEDUP_STORE)" : ""}`,
        { cause: err },
      );
    try {
      // A worker's markers may live on the backend's own connection; a store that also takes
      // ingress claims (a backend without publishOnce) is the one resolveDedupStore() picks.
      store = await withDeadline(
        uses.ingress && !ingressUsesBackend
          ? resolveDedupStore(config.env, backend.name)
          : resolveMarkerStore(config.env, backend),
        PING_TIMEOUT_MS,
        `dedup store ${name}`,
      );
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw unreachable(err);
    }
    try {
      if (store.ping) await withDeadline(store.ping(), PING_TIMEOUT_MS, `dedup store ${name}`);
    } catch (err) {
      await store.close().catch(() => {});
      throw unreachable(err);
    }
    await warnIfVolatile(store.persistenceWarning?.bind(store), logger);
  }
  const publisher = uses.ingress
    ? new IngressPublisher(backend, config.topic, config.dedupTtlSeconds, ingressUsesBackend ? null : store)
    : null;
  return { store, publisher };
}
