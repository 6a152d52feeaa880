// The responders case: requests answered inline by a synchronous responder (router.respond), beside
// plain Events API ingress, on the same gateway in the same rounds (sqlite, and redis if selected).
// `slackline gateway --handlers bench/servers/responder-handlers.mjs` takes, one kind after the other:
// - Events API requests (JSON): dedup + durable publish, then the 200;
// - block_suggestion payloads (forms): the responder's options, no publish (no queued route wants them);
// - a slash command (forms): the responder's reply, once the command is durably published.
// Before each round's loads a signed fetch of each kind checks the answer's body, and every answer of
// a load must have that body's size: the figures cannot be of 404s or fallback answers.
import { randomUUID } from "node:crypto";
import { signSlackRequest } from "../../src/ingress/signature.js";
import { commandForm, interactionForm } from "../../src/testing/slack-request.js";
import type { BenchCase, BenchContext } from "../case.js";
import { type BodyType, drive, FORM_BODY, JSON_BODY, makeEvents } from "../lib/load.js";
import { cpuSeconds } from "../lib/proc-stats.js";
import { ROOT, startGateway } from "../lib/processes.js";
import { cleanUp, runPlace } from "../lib/services.js";
import { fmt, load, median, printTable, range } from "../lib/stats.js";
import { SECRET } from "./ingress.js";

/** The backends this case measures (of those the run selected). */
const MEASURED = ["sqlite", "redis"];
const HANDLERS = `${ROOT}/bench/servers/responder-handlers.mjs`;
/** As many options as bench/servers/responder-handlers.mjs answers with. */
const OPTIONS = 10;

type Kind = "events" | "block_suggestion" | "command";
const KINDS: readonly Kind[] = ["events", "block_suggestion", "command"];
const LABEL: Record<Kind, string> = {
  events: "Events API (publish, 200)",
  block_suggestion: "block_suggestion responder (no publish)",
  command: "/bench responder (publish, then answer)",
};

/** Fixed-width values: every answer of a kind has the same size, which the run checks. */
const tag = (i: number) => String(i).padStart(7, "0");

function suggestion(i: number): string {
  return interactionForm({
    type: "block_suggestion",
    user: { id: "U0BENCH", username: "bench", team_id: "T0BENCH" },
    team: { id: "T0BENCH", domain: "bench" },
    api_app_id: "A0BENCH",
    token: "bench",
    container: { type: "view", view_id: "V0BENCH" },
    action_id: "bench_pick",
    block_id: "bench_block",
    value: `q${tag(i)}`,
    view: { id: "V0BENCH", callback_id: "bench_modal" },
  });
}

function command(i: number, run: string): string {
  return commandForm({
    token: "bench",
    team_id: "T0BENCH",
    team_domain: "bench",
    channel_id: "C0BENCH",
    channel_name: "bench",
    user_id: "U0BENCH",
    user_name: "bench",
    command: "/bench",
    text: `svc${tag(i)}`,
    api_app_id: "A0BENCH",
    response_url: "https://hooks.slack.com/commands/T0BENCH/1/bench",
    // Unique per request: a command's dedup key is its trigger_id.
    trigger_id: `${run}.${tag(i)}`,
  });
}

function bodiesOf(kind: Kind, count: number): { bodies: string[]; type: BodyType } {
  if (kind === "events") return { bodies: makeEvents(count), type: JSON_BODY };
  const run = randomUUID().slice(0, 8);
  const make = kind === "command" ? (i: number) => command(i, run) : suggestion;
  return { bodies: Array.from({ length: count }, (_, i) => make(i)), type: FORM_BODY };
}

/** One signed request by fetch; the answer's body is checked, and its size returned. */
async function checkedAnswer(url: string, kind: Kind): Promise<number> {
  const { bodies, type } = bodiesOf(kind, 1);
  const body = bodies[0]!;
  const { timestamp, signature } = signSlackRequest(SECRET, body);
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": type, "x-slack-request-timestamp": timestamp, "x-slack-signature": signature },
    body,
  });
  const text = await res.text();
  const fail = (why: string) => {
    throw new Error(`responders: a ${kind} request got ${res.status} ${JSON.stringify(text)}: ${why}`);
  };
  if (res.status !== 200) fail("not 200");
  if (kind === "events") return Buffer.byteLength(text);
  const answer = JSON.parse(text) as { options?: { value?: string }[]; text?: string };
  if (
    kind === "block_suggestion" &&
    (answer.options?.length !== OPTIONS || answer.options[0]?.value !== `q${tag(0)}-0`)
  )
    fail(`not the responder's ${OPTIONS} options`);
  if (kind === "command" && answer.text !== `Deploying svc${tag(0)}`) fail("not the responder's reply");
  return Buffer.byteLength(text);
}

interface Measured {
  eventsPerSecond: number;
  p50: number;
  p99: number;
  failures: number;
  /** Answers whose body was not the size of the checked one. */
  wrongBodies: number;
  bytesPerAnswer: number;
  cpuMicrosPerRequest: number;
}

async function measure(url: string, pid: number, kind: Kind, events: number, connections: number) {
  const expected = await checkedAnswer(url, kind);
  const { bodies, type } = bodiesOf(kind, events);
  const before = cpuSeconds(pid);
  const r = await drive(url, SECRET, bodies, connections, type);
  const after = cpuSeconds(pid);
  const answered = r.total - r.non2xx;
  // Equal sizes: every answer was the responder's (the fallback {"options":[]} is shorter).
  const right = r.bodyBytes === answered * expected && (expected === 0 || r.emptyBodies === 0);
  return {
    eventsPerSecond: r.eventsPerSecond,
    p50: r.p50,
    p99: r.p99,
    failures: r.non2xx + r.errors,
    wrongBodies: right ? 0 : answered,
    bytesPerAnswer: answered > 0 ? r.bodyBytes / answered : Number.NaN,
    cpuMicrosPerRequest: before === null || after === null ? Number.NaN : ((after - before) * 1e6) / r.total,
  } satisfies Measured;
}

async function run(ctx: BenchContext): Promise<void> {
  const events = ctx.number("responder-events");
  if (events <= 0) return;
  const rounds = Math.max(1, ctx.number("responder-rounds"));
  const warmup = ctx.number("responder-warmup");
  const connections = ctx.number("connections");
  const backends = MEASURED.filter((b) => ctx.backends.includes(b));
  if (backends.length === 0) {
    console.log("\nResponders: skipped (neither sqlite nor redis selected)");
    return;
  }
  console.log(
    `\nResponders: ${events} signed requests of each kind per round (after ${warmup} warm-up of each), ${connections} connections, ${rounds} rounds, one gateway per backend and round (load ${load()})`,
  );
  const runs = new Map<string, Measured[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const backend of backends) {
      const place = runPlace(backend, "responders");
      const gateway = await startGateway(backend, SECRET, place.env, ["--handlers", HANDLERS]);
      try {
        for (const kind of KINDS) {
          const { bodies, type } = bodiesOf(kind, warmup);
          await drive(gateway.url, SECRET, bodies, connections, type);
        }
        // Rotate the order each round, so no kind always runs first on a fresh gateway.
        const order = KINDS.map((_, i) => KINDS[(i + round) % KINDS.length]!);
        for (const kind of order) {
          const m = await measure(gateway.url, gateway.pid, kind, events, connections);
          const key = `${backend} ${kind}`;
          runs.set(key, [...(runs.get(key) ?? []), m]);
          console.log(
            `  round ${round} ${backend.padEnd(7)} ${LABEL[kind].padEnd(40)} ${fmt(m.eventsPerSecond)} /s`,
          );
        }
      } finally {
        await gateway.stop();
        await cleanUp(backend, place);
      }
    }
  }

  const rows = backends
    .flatMap((backend) => KINDS.map((kind) => [backend, kind] as const))
    .map(([backend, kind]) => {
      const results = runs.get(`${backend} ${kind}`)!;
      const plain = runs.get(`${backend} events`)!;
      const rates = results.map((r) => r.eventsPerSecond);
      // Paired per round: the same gateway, a few seconds apart.
      const ratio = median(results.map((r, i) => r.eventsPerSecond / plain[i]!.eventsPerSecond));
      return [
        `${backend} ${LABEL[kind]}`,
        fmt(median(rates), 0, 0),
        fmt(median(results.map((r) => r.p50)), 2, 0),
        fmt(median(results.map((r) => r.p99)), 2, 0),
        String(results.reduce((n, r) => n + r.failures, 0)),
        String(results.reduce((n, r) => n + r.wrongBodies, 0)),
        fmt(median(results.map((r) => r.bytesPerAnswer)), 0, 0),
        fmt(median(results.map((r) => r.cpuMicrosPerRequest)), 0, 0),
        kind === "events" ? "" : fmt(ratio, 2, 0),
        range(rates),
      ];
    });
  console.log(`\nResponders beside plain ingress, median of ${rounds} rounds (load ${load()})`);
  printTable(
    [
      "target",
      "requests/s",
      "p50 ms",
      "p99 ms",
      "non-2xx",
      "wrong body",
      "body B",
      "CPU µs/request",
      "vs events",
      "range of rounds",
    ],
    rows,
  );
  console.log(
    "(wrong body: every answer of a load whose bodies were not all the size of the fetched, checked answer; body B: per 2xx answer; vs events: median of per-round ratios on the same gateway)",
  );
}

export const respondersCase: BenchCase = {
  name: "responders",
  description:
    "Inline answers: a block_suggestion and a slash-command responder beside plain Events API ingress, on sqlite and redis",
  options: {
    "responder-events": { type: "string", default: "20000" },
    "responder-warmup": { type: "string", default: "3000" },
    "responder-rounds": { type: "string", default: "3" },
    connections: { type: "string", default: "32" },
  },
  run,
};
