import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { BenchContext } from "../case.js";
import { ROOT } from "../lib/processes.js";
import { fmt, load, median, printTable, range } from "../lib/stats.js";
import { signedEvents } from "./lambda-load.js";

interface ColdStart {
  reached: number;
  imported: number;
  answered: number;
  firstCpuMs: number;
  secondMs: number;
  statuses: number[];
}

const run = promisify(execFile);

/** One cold start of `module` in a fresh `node` (bench/aws/cold-start.mjs), with the function's environment only. */
async function coldStart(module: string, secret: string, env: Record<string, string>): Promise<ColdStart> {
  const { stdout } = await run(process.execPath, [join(ROOT, "bench/aws/cold-start.mjs"), module], {
    cwd: ROOT,
    env: { ...env, BENCH_EVENTS: JSON.stringify(signedEvents(secret, 2)) },
  });
  const line = stdout.split("\n").find((l) => l.startsWith('{"coldStart"'));
  if (!line) throw new Error(`no cold start measured:\n${stdout}`);
  const result = (JSON.parse(line) as { coldStart: ColdStart }).coldStart;
  if (result.statuses.some((s) => s !== 200))
    throw new Error(`cold start of ${module} answered ${result.statuses}`);
  return result;
}

/** Cold starts of each of `modules` (a name and a file), interleaved, `--lambda-cold-starts` of each; prints their medians. */
export async function coldStarts(
  ctx: BenchContext,
  secret: string,
  env: Record<string, string>,
  modules: Record<string, string>,
) {
  const repetitions = Math.max(1, ctx.number("lambda-cold-starts"));
  const runs = new Map<string, ColdStart[]>(Object.keys(modules).map((name) => [name, []]));
  // Interleaved, so a slow spell of the machine hits every module alike.
  for (let i = 0; i < repetitions; i++)
    for (const [name, module] of Object.entries(modules))
      runs.get(name)!.push(await coldStart(module, secret, env));
  console.log(
    `\nLambda cold start: a fresh node process per start, median of ${repetitions}, ms from the process's start (load ${load()})`,
  );
  printTable(
    [
      "handler module",
      "node reached it",
      "imported",
      "first answered",
      "first invocation",
      "its CPU",
      "second invocation",
      "range of first answered",
    ],
    [...runs].map(([name, results]) => {
      const m = (f: (r: ColdStart) => number) => fmt(median(results.map(f)), 1, 0);
      return [
        name,
        m((r) => r.reached),
        m((r) => r.imported),
        m((r) => r.answered),
        m((r) => r.answered - r.imported),
        m((r) => r.firstCpuMs),
        m((r) => r.secondMs),
        range(results.map((r) => r.answered)),
      ];
    }),
  );
  console.log(
    "(first invocation: the handler's first answer after the import, which loads the SQS/SNS/DynamoDB clients, checks the topic, queue and table, and makes the first requests; the resources exist and SNS_TOPIC_ARN is set, as examples/aws deploys it)",
  );
}
