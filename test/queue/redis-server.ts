import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../helpers/free-port.js";
import { servicesRequired, tcpReachable } from "../helpers/services.js";

/** True when `redis-server` is on PATH; else skips (fails in CI) like requireService. */
export function redisServerBinary(): boolean {
  const found = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
  if (found) return true;
  const message = "redis-server is not on PATH";
  if (servicesRequired)
    throw new Error(`${message} (SLACKLINE_REQUIRE_SERVICES=1, so this fails instead of skipping)`);
  console.warn(`SKIP: ${message}; the private-server Redis tests are skipped`);
  return false;
}

/**
 * A redis-server of the test's own, on a free port, that can be killed, frozen and started again.
 * `persistent`: AOF with fsync on every write in a temp dir, so a restart keeps what was acknowledged.
 */
export class PrivateRedis {
  readonly dir = mkdtempSync(join(tmpdir(), "slackline-redis-"));
  private child: ChildProcess | null = null;
  port = 0;

  constructor(private readonly options: { persistent?: boolean; args?: string[] } = {}) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const persistence = this.options.persistent
      ? ["--appendonly", "yes", "--appendfsync", "always"]
      : ["--appendonly", "no"];
    const child = spawn(
      "redis-server",
      [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--dir",
        this.dir,
        ...persistence,
        ...(this.options.args ?? []),
      ],
      { stdio: "ignore" },
    );
    this.child = child;
    const deadline = Date.now() + 5000;
    while (!(await tcpReachable("127.0.0.1", this.port, 200))) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`redis-server did not start on ${this.port}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** SIGKILL: the server is gone at once, as in a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    this.child = null;
  }

  /** SIGSTOP / SIGCONT: the server hangs with its connections open. */
  freeze(): void {
    this.child?.kill("SIGSTOP");
  }

  thaw(): void {
    this.child?.kill("SIGCONT");
  }

  async destroy(): Promise<void> {
    this.thaw();
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
