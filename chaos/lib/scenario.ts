import type { Row } from "./report.js";

export interface ChaosContext {
  /** Multiplies the sizes (requests, connections, events); 1 is the few-minute default. */
  scale: number;
  /** Whether redis-server can be started for the Redis scenarios (else they are skipped). */
  redis: boolean;
  /** Command-line options a scenario reads (`--flood-hold-seconds 120`, `--flood-reconnect`). */
  values: Record<string, string | boolean | undefined>;
  number(option: string, fallback: number): number;
}

export interface Scenario {
  name: string;
  /** One line for `--list`. */
  description: string;
  run(ctx: ChaosContext): Promise<Row[]>;
}
