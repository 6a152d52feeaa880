/**
 * `slackline/contract`: the suites every queue backend and dedup store must pass, for plugin authors.
 * Run them under vitest in your own test files.
 */
export { type DedupContractOptions, dedupStoreContract } from "./contract/dedup.js";
export type { QueueContractOptions } from "./contract/options.js";
export { publishOnceContract } from "./contract/publish-once.js";
export { queueBackendContract } from "./contract/queue.js";
