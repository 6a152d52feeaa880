const LIMIT = 10_000;

interface Seen {
  /** The claimer this instance last saw at the head of the line. */
  head: string;
  since: number;
  /** Claimers judged dead here; dropped once their reaction is gone. */
  dead: Set<string>;
}

export interface Judgement {
  /** The first claimer not judged dead, or null when the line is empty (or all dead). */
  head: string | null;
  /** When this instance first saw `head` at the head of the line. */
  since: number;
  /** Claimers ahead of `head` judged dead: they held the head longer than the stale time. */
  dead: string[];
}

/**
 * Reactions carry no time, so staleness of a reaction claim is judged from this instance's own
 * observations: a claimer seen at the head of the line for longer than the stale time is dead.
 * Judgements only ever move forward (dead stays dead while the reaction stays), and every
 * instance walks the same line in Slack's order, so they all skip the same dead claimers.
 */
export class HeadClock {
  private readonly seen = new Map<string, Seen>();

  judge(
    key: string,
    line: readonly string[],
    staleMs: number,
    me: string | null,
    now = Date.now(),
  ): Judgement {
    let state = this.seen.get(key);
    const present = new Set(line);
    if (state) for (const d of state.dead) if (!present.has(d)) state.dead.delete(d);
    const dead: string[] = [];
    for (const user of line) {
      if (state?.dead.has(user)) {
        dead.push(user);
        continue;
      }
      if (!state || state.head !== user) {
        state = { head: user, since: now, dead: state?.dead ?? new Set() };
        this.remember(key, state);
      }
      if (user !== me && now - state.since >= staleMs) {
        // Held the head too long: dead. The next one's clock starts now.
        state.dead.add(user);
        dead.push(user);
        continue;
      }
      return { head: user, since: state.since, dead };
    }
    return { head: null, since: now, dead };
  }

  forget(key: string): void {
    this.seen.delete(key);
  }

  private remember(key: string, state: Seen): void {
    this.seen.delete(key);
    if (this.seen.size >= LIMIT) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(key, state);
  }
}
