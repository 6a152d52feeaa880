import { Command, InvalidArgumentError, Option } from "commander";
import { parseCount } from "./context.js";
import { describeCliError } from "./errors.js";

const count = (name: string) => (value: string) => {
  try {
    return parseCount(value, name);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

function buildProgram(): Command {
  const program = new Command("slackline")
    .description("Verified, deduplicated, durably queued Slack events for bots and agents")
    .showHelpAfterError();

  const serveCommand = (name: "start" | "gateway" | "worker", description: string) =>
    program
      .command(name)
      .description(description)
      .action(async (flags) => (await import("./commands/serve.js")).serve(name, flags));

  serveCommand("start", "ingress and worker in one process (the main job)")
    .option("--port <port>", "HTTP port (PORT, default 3000)")
    .option("--host <host>", "bind address (HOST, default 127.0.0.1)")
    .option("--handlers <module>", "handler module (.js or .ts); without it each event is logged")
    .option("--group <group>", "consumer group (default: default)")
    .option("--concurrency <n>", "deliveries handled at once (default 16)", count("--concurrency"))
    .option("--drain-ms <ms>", "graceful-shutdown deadline (default 30000)", count("--drain-ms"))
    .option("--dev", "without SLACK_SIGNING_SECRET, use a development secret kept in the data dir")
    .option("--mcp", "also serve the MCP server at /mcp on the same port")
    .option("--no-dashboard", "do not serve the dashboard at /dashboard")
    .option(
      "--socket-mode",
      "take Slack's envelopes over Socket Mode (SLACK_APP_TOKEN); /slack/events too if SLACK_SIGNING_SECRET is set",
    );
  serveCommand("gateway", "ingress only: verify, dedup, publish, answer")
    .option("--port <port>", "HTTP port (PORT, default 3000)")
    .option("--host <host>", "bind address (HOST, default 127.0.0.1)")
    .option("--handlers <module>", "handler module whose responders answer Slack inline (router.respond)")
    .option("--dev", "without SLACK_SIGNING_SECRET, use a development secret kept in the data dir")
    .option("--mcp", "also serve the MCP server at /mcp on the same port")
    .option("--no-dashboard", "do not serve the dashboard at /dashboard")
    .option(
      "--socket-mode",
      "take Slack's envelopes over Socket Mode (SLACK_APP_TOKEN); /slack/events too if SLACK_SIGNING_SECRET is set",
    );
  serveCommand("worker", "worker only: consume the topic and run handlers")
    .requiredOption("--handlers <module>", "handler module (.js or .ts)")
    .option("--dev", "readable logs; an event no route matched is logged at info")
    .option("--group <group>", "consumer group (default: default)")
    .option("--concurrency <n>", "deliveries handled at once (default 16)", count("--concurrency"))
    .option("--drain-ms <ms>", "graceful-shutdown deadline (default 30000)", count("--drain-ms"));

  program
    .command("init")
    .description("scaffold a project here: handlers.ts, its test, .env.example, package.json scripts")
    .addOption(new Option("--backend <name>", "queue backend the .env.example is for").default("sqlite"))
    .option("--force", "overwrite files that exist")
    .action(async (flags) => {
      process.exitCode = await (await import("./commands/init.js")).init(flags);
    });

  program
    .command("send")
    .description(
      "sign a payload and send it the way Slack would (JSON events; interactions and commands as forms)",
    )
    .argument("<payload>", "a JSON payload file, or - for stdin")
    .option("--url <url>", "where to send (default http://HOST:PORT/slack/events)")
    .option("--retry <n>", "send as Slack's retry number n (X-Slack-Retry-Num)", (v) =>
      Number.parseInt(v, 10),
    )
    .option(
      "--times <k>",
      "send it k times at once, as Slack's retries (X-Slack-Retry-Num 1..k-1) would arrive: one is queued, the rest are duplicates",
      count("--times"),
    )
    .option("--fresh", "give the payload a new event_id / trigger_id (else a second send is a duplicate)")
    .option(
      "--wait [seconds]",
      "then wait (default 30 s) for what the worker did: handled by which routes, retrying, dead-lettered",
    )
    .action(async (payload, flags) => {
      process.exitCode = await (await import("./commands/send.js")).send(payload, flags);
    });

  program
    .command("dlq")
    .description("dead letters of the topic: list, replay or purge")
    .argument("<action>", "list, replay or purge")
    .option("--id <id...>", "only these dead-letter ids")
    .option("--limit <n>", "how many to list (default 100)", count("--limit"))
    .action(async (action, flags) => {
      process.exitCode = await (await import("./commands/dlq.js")).dlq(action, flags);
    });

  program
    .command("dashboard")
    .description("the dashboard on its own port, against the configured backend (no ingress, no worker)")
    .option("--port <port>", "HTTP port (SLACKLINE_DASHBOARD_PORT, default 3002)")
    .option(
      "--host <host>",
      "bind address (default 127.0.0.1; beyond it SLACKLINE_DASHBOARD_TOKEN is required)",
    )
    .option("--group <group...>", "consumer groups to show (default: SLACKLINE_GROUPS, else SLACKLINE_GROUP)")
    .action(async (flags) => (await import("./commands/dashboard.js")).dashboard(flags));

  program
    .command("mcp")
    .description("MCP server: Slack tools and an event inbox for agents")
    .addOption(
      new Option("--transport <transport>", "stdio or http").choices(["stdio", "http"]).default("stdio"),
    )
    .option("--port <port>", "HTTP port for --transport http (default 3001)")
    .option("--host <host>", "bind address for --transport http (default 127.0.0.1)")
    .option("--read-only", "list no tool that writes to Slack (also SLACKLINE_MCP_READ_ONLY=1)")
    .action(async (flags) => (await import("./commands/mcp.js")).mcp(flags));

  return program;
}

/** Runs the CLI; misconfiguration is one line on stderr and exit code 1. */
export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.stderr.write(`slackline: ${describeCliError(err)}\n`);
    process.exit(1);
  }
}
