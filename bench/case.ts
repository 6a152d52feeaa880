import type { ParseArgsConfig } from "node:util";

/** What run.ts hands every case. */
export interface BenchContext {
  /** The backends `--only` selected whose services answer, in the order of BACKENDS. */
  readonly backends: readonly string[];
  /** Every option's value as parsed (the defaults of the cases' options included). */
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  /** A number option, checked: a typo fails the run before anything starts. */
  number(option: string): number;
}

/** One benchmark: a module of its own under bench/cases/, listed in run.ts. */
export interface BenchCase {
  /** What `--cases` names it by. */
  readonly name: string;
  /** One line for the run's header. */
  readonly description: string;
  /** The command-line options it reads (names shared by several cases must agree on type and default). */
  readonly options: NonNullable<ParseArgsConfig["options"]>;
  run(ctx: BenchContext): Promise<void>;
}

/** Every backend the benchmark knows, in the order tables list them. */
export const BACKENDS = ["memory", "sqlite", "redis", "nats", "rabbitmq"] as const;
/** The backends that keep messages across a restart (the soak measures these). */
export const DURABLE_BACKENDS = ["sqlite", "redis", "nats", "rabbitmq"] as const;
