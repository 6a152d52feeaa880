/** How a backend runs the queue contract suites. */
import type { QueueBackend } from "../../queue/types.js";

export interface QueueContractOptions {
  name: string;
  create: () => Promise<QueueBackend> | QueueBackend;
  /** Lease used by the lease-expiry tests (default 400 ms). */
  leaseMs?: number;
  /** Contract tests this backend cannot meet, by title, each with the reason (printed, never silent). */
  skip?: Record<string, string>;
  /** Per-test timeout (default 20 s). */
  timeoutMs?: number;
}
