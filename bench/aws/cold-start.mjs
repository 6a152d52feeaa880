// node bench/aws/cold-start.mjs <module>   (BENCH_EVENTS: a JSON array of two Lambda events)
// One cold start, in this fresh process: the moments (ms from the process's start, Node's
// performance time origin) at which Node reached this file, the handler module was imported, and
// the first and second invocations were answered, and the CPU time the first one took (against its
// wall time: how much of it is loading and compiling code rather than waiting on requests). A module exporting `handler` is a Lambda entry;
// otherwise it is `slackline/aws` and the handler is `lambdaIngress()`, as a one-line entry makes it.
import { pathToFileURL } from "node:url";

const reached = performance.now();
const mod = await import(pathToFileURL(process.argv[2]).href);
const imported = performance.now();
const handler = mod.handler ?? mod.lambdaIngress();
const [first, second] = JSON.parse(process.env.BENCH_EVENTS);
const cpu = process.cpuUsage();
const answer = await handler(first);
const answered = performance.now();
const { user, system } = process.cpuUsage(cpu);
const again = await handler(second);
const secondMs = performance.now() - answered;
console.log(
  JSON.stringify({
    coldStart: {
      reached,
      imported,
      answered,
      firstCpuMs: (user + system) / 1000,
      secondMs,
      statuses: [answer.statusCode, again.statusCode],
    },
  }),
);
// The SDK's keep-alive sockets would hold the process open.
process.exit(0);
