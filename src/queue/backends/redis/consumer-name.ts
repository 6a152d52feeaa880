import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";

/**
 * Stable default consumer names: `<host>-<install id>-<slot>`. The install id is kept in
 * `<dataDir>/redis-consumer-id` so a restarted worker gets its old name back and re-reads its own
 * pending entries first. Slots keep names unique when several processes (or several consume() calls)
 * share a host and a data dir: two live consumers with one name would take each other's work.
 *
 * A slot is held by a file `<dataDir>/redis-consumers/<host>/<slot>.<pid>`. A holder keeps a slot
 * only if, after creating its file, it sees no other live holder's file for that slot; so of two
 * processes racing for a slot at most one keeps it (whoever lists second sees the first). Files of
 * dead pids are stale and removed.
 */
/** Per process, not per instance: two queues opened in one process must not pick the same slot. */
const heldByDir = new Map<string, Set<number>>();
/** acquire() calls of this process run one at a time, so they never race each other for a slot. */
let acquiring: Promise<unknown> = Promise.resolve();

export class ConsumerNames {
  private readonly host: string;
  private installId: Promise<string> | null = null;

  constructor(
    private readonly dataDir: string,
    host: string = hostname(),
  ) {
    this.host = host.replace(/[^A-Za-z0-9_.-]/g, "_") || "host";
  }

  /** Resolves with a unique name and the function that gives it up. */
  acquire(): Promise<{ name: string; release: () => Promise<void> }> {
    const next = acquiring.then(() => this.acquireNow());
    acquiring = next.catch(() => {});
    return next;
  }

  /** Slots this process holds in this instance's directory (shared by every instance on that dir). */
  private get held(): Set<number> {
    const dir = resolve(this.dataDir, "redis-consumers", this.host);
    let set = heldByDir.get(dir);
    if (!set) {
      set = new Set();
      heldByDir.set(dir, set);
    }
    return set;
  }

  private async acquireNow(): Promise<{ name: string; release: () => Promise<void> }> {
    const id = await this.id();
    const dir = join(this.dataDir, "redis-consumers", this.host);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (let slot = 0; ; slot++) {
      if (this.held.has(slot)) continue;
      if (await this.take(dir, slot)) {
        const held = this.held;
        held.add(slot);
        const file = join(dir, `${slot}.${process.pid}`);
        let released = false;
        return {
          name: `${this.host}-${id}-${slot}`,
          release: async () => {
            if (released) return;
            released = true;
            held.delete(slot);
            await unlink(file).catch(() => {});
          },
        };
      }
    }
  }

  private async take(dir: string, slot: number): Promise<boolean> {
    if ((await this.liveHolders(dir, slot)).length > 0) return false;
    const mine = join(dir, `${slot}.${process.pid}`);
    await writeFile(mine, `${process.pid}\n`, { mode: 0o600 });
    const others = (await this.liveHolders(dir, slot)).filter((pid) => pid !== process.pid);
    if (others.length === 0) return true;
    await unlink(mine).catch(() => {});
    return false;
  }

  /** Pids holding `slot`; removes files of dead processes (and this pid's leftovers from a past life). */
  private async liveHolders(dir: string, slot: number): Promise<number[]> {
    const live: number[] = [];
    for (const file of await readdir(dir).catch(() => [] as string[])) {
      const [s, p] = file.split(".");
      if (Number(s) !== slot) continue;
      const pid = Number(p);
      if (pid === process.pid ? this.held.has(slot) : alive(pid)) live.push(pid);
      else if (pid !== process.pid) await unlink(join(dir, file)).catch(() => {});
    }
    return live;
  }

  private id(): Promise<string> {
    this.installId ??= readOrCreateId(join(this.dataDir, "redis-consumer-id"), this.dataDir);
    return this.installId;
  }
}

async function readOrCreateId(file: string, dir: string): Promise<string> {
  const existing = await readFile(file, "utf8").catch(() => "");
  if (existing.trim()) return existing.trim();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const fresh = randomBytes(4).toString("hex");
  try {
    await writeFile(file, `${fresh}\n`, { flag: "wx", mode: 0o600 });
    return fresh;
  } catch {
    // Another process created it first: use theirs.
    return (await readFile(file, "utf8")).trim();
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
