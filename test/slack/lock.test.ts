import { LogLevel, WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ClaimResult, type LockStrategy, SlackLock, SlackLockError } from "../../src/slack/lock.js";
import { FakeSlack } from "../../src/testing/index.js";

const BOTS = ["A", "B", "C", "D", "E"].map((n) => ({
  token: `xoxb-${n}`,
  user_id: `UBOT${n}`,
  name: `bot-${n}`,
}));
const CHANNEL = "CLOCKS";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let slack: FakeSlack;

beforeEach(async () => {
  slack = await FakeSlack.start({
    bots: BOTS,
    seed: {
      users: [{ id: "UHUMAN", name: "human" }],
      channels: [
        { id: CHANNEL, name: "locks" },
        { id: "CPRIVATE", name: "elsewhere", members: ["UHUMAN"] },
      ],
    },
  });
});
afterEach(async () => {
  await slack.close();
});

const client = (token: string, extra: Record<string, unknown> = {}) =>
  new WebClient(token, {
    slackApiUrl: slack.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
    ...extra,
  });

const lockFor = (
  token: string,
  strategy: LockStrategy,
  extra: Partial<ConstructorParameters<typeof SlackLock>[0]> = {},
) => new SlackLock({ client: client(token), strategy, staleMs: 60_000, ...extra });

const message = (text = "work to do") => slack.addMessage(CHANNEL, { user: "UHUMAN", text }).ts;
const acquired = (results: ClaimResult[]) => results.filter((r) => r.status === "acquired");

async function thrown(call: Promise<unknown>): Promise<SlackLockError> {
  try {
    await call;
  } catch (err) {
    expect(err).toBeInstanceOf(SlackLockError);
    return err as SlackLockError;
  }
  throw new Error("the claim did not fail");
}

for (const strategy of ["pin", "reaction"] as const) {
  describe(`slack lock, ${strategy} strategy`, () => {
    it("concurrent claimers with distinct bot tokens: exactly one wins, the others are held by it", async () => {
      for (let round = 0; round < 5; round++) {
        const ts = message();
        const locks = BOTS.map((b) => lockFor(b.token, strategy));
        const results = await Promise.all(locks.map((l) => l.claim(CHANNEL, ts)));
        const winners = acquired(results);
        expect(winners).toHaveLength(1);
        const winner = BOTS[results.findIndex((r) => r.status === "acquired")]!.user_id;
        for (const r of results.filter((r) => r.status !== "acquired")) {
          expect(r.status).toBe("held");
          if (r.status === "held") {
            expect(r.holder).toBe(winner);
            expect(r.retryInMs).toBeGreaterThan(0);
          }
        }
        // Losers took their reactions back: only the winner's claim is visible.
        const claimers = slack.reactions(CHANNEL, ts).find((x) => x.name === "lock")?.users ?? [];
        if (strategy === "reaction") expect(claimers).toEqual([winner]);
        else
          expect(
            slack
              .pins(CHANNEL)
              .filter((p) => p.ts === ts)
              .map((p) => p.created_by),
          ).toEqual([winner]);
      }
    });

    it("done() leaves the done marker: later and late claimers get done, the claim is gone", async () => {
      const ts = message();
      const [a, b, c] = BOTS.map((x) => lockFor(x.token, strategy));
      const first = await a!.claim(CHANNEL, ts);
      expect(first.status).toBe("acquired");
      expect((await b!.claim(CHANNEL, ts)).status).toBe("held");
      if (first.status === "acquired") await first.claim.done();
      expect(await b!.claim(CHANNEL, ts)).toEqual({ status: "done" });
      expect(await c!.claim(CHANNEL, ts)).toEqual({ status: "done" });
      expect(slack.reactions(CHANNEL, ts)).toEqual([
        { name: "white_check_mark", users: ["UBOTA"], count: 1 },
      ]);
      expect(slack.pins(CHANNEL)).toEqual([]);
      expect(await c!.isDone(CHANNEL, ts)).toBe(true);
    });

    it("release() hands the claim back: the next claimer acquires it", async () => {
      const ts = message();
      const [a, b] = BOTS.map((x) => lockFor(x.token, strategy));
      const first = await a!.claim(CHANNEL, ts);
      expect((await b!.claim(CHANNEL, ts)).status).toBe("held");
      if (first.status === "acquired") await first.claim.release();
      const second = await b!.claim(CHANNEL, ts);
      expect(second.status).toBe("acquired");
      expect(slack.reactions(CHANNEL, ts).find((r) => r.name === "white_check_mark")).toBeUndefined();
    });

    it("a person's reactions neither finish the work nor hold the claim", async () => {
      const ts = message();
      slack.workspace.react(CHANNEL, ts, "white_check_mark", "UHUMAN");
      slack.workspace.react(CHANNEL, ts, "lock", "UHUMAN");
      const result = await lockFor("xoxb-A", strategy).claim(CHANNEL, ts);
      expect(result.status).toBe("acquired");
    });

    it("a claim whose holder died is taken over after the stale time by exactly one of several", async () => {
      const staleMs = 1500;
      for (let round = 0; round < 3; round++) {
        const ts = message();
        const dead = lockFor("xoxb-A", strategy, { staleMs });
        expect((await dead.claim(CHANNEL, ts)).status).toBe("acquired"); // and never settles
        const takers = BOTS.slice(1).map((b) => lockFor(b.token, strategy, { staleMs }));
        // Everyone sees it held first (for reactions, this starts their clocks on the holder).
        for (const r of await Promise.all(takers.map((l) => l.claim(CHANNEL, ts)))) {
          expect(r).toMatchObject({ status: "held", holder: "UBOTA" });
        }
        await sleep(staleMs + 1100);
        const results = await Promise.all(takers.map((l) => l.claim(CHANNEL, ts)));
        const winners = acquired(results);
        expect(winners).toHaveLength(1);
        const winner = winners[0]!;
        if (winner.status === "acquired") {
          expect(winner.claim.takeovers).toBe(1);
          await winner.claim.done();
        }
        expect(
          (await Promise.all(takers.map((l) => l.claim(CHANNEL, ts)))).every((r) => r.status === "done"),
        ).toBe(true);
      }
    });

    it("a rate-limited call honours Retry-After and then succeeds", async () => {
      const ts = message();
      const method = strategy === "pin" ? "pins.add" : "reactions.add";
      slack.rateLimitNext(1, { method, retryAfter: 1 });
      const started = Date.now();
      const result = await lockFor("xoxb-A", strategy).claim(CHANNEL, ts);
      expect(result.status).toBe("acquired");
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(slack.callsTo(method).map((c) => c.status)).toEqual([429, 200]);
    });

    it("a rate limit longer than the budget is an error, never held", async () => {
      const ts = message();
      slack.rateLimitNext(1, { retryAfter: 5 });
      const err = await thrown(lockFor("xoxb-A", strategy, { maxRateLimitWaitMs: 1000 }).claim(CHANNEL, ts));
      expect(err.slackError).toBe("ratelimited");
      expect(err.retryAfterMs).toBe(5000);
    });

    it("not_in_channel, invalid_auth and other failures are errors, never held", async () => {
      const other = slack.addMessage("CPRIVATE", { user: "UHUMAN", text: "not ours" }).ts;
      expect((await thrown(lockFor("xoxb-A", strategy).claim("CPRIVATE", other))).slackError).toBe(
        "not_in_channel",
      );
      const ts = message();
      expect((await thrown(lockFor("xoxb-nobody", strategy).claim(CHANNEL, ts))).slackError).toBe(
        "invalid_auth",
      );
      slack.failNext(strategy === "pin" ? "pins.add" : "reactions.add", "fatal_error");
      expect((await thrown(lockFor("xoxb-A", strategy).claim(CHANNEL, ts))).slackError).toBe("fatal_error");
      expect((await thrown(lockFor("xoxb-A", strategy).claim(CHANNEL, "1.000001"))).slackError).toBe(
        "message_not_found",
      );
      // None of that left a claim behind.
      expect((await lockFor("xoxb-B", strategy).claim(CHANNEL, ts)).status).toBe("acquired");
    });

    it("a default WebClient (which waits out 429s itself) works too", async () => {
      const ts = message();
      slack.rateLimitNext(1, { retryAfter: 1 });
      const lock = new SlackLock({ client: client("xoxb-A", { rejectRateLimitedCalls: false }), strategy });
      expect((await lock.claim(CHANNEL, ts)).status).toBe("acquired");
    });

    it("in one process, a second claim of a claim we hold is held", async () => {
      const ts = message();
      const lock = lockFor("xoxb-A", strategy);
      const [one, two] = await Promise.all([lock.claim(CHANNEL, ts), lock.claim(CHANNEL, ts)]);
      expect([one.status, two.status].sort()).toEqual(["acquired", "held"]);
    });

    it("after a restart, our own leftover claim is ours again (a token per instance)", async () => {
      const ts = message();
      expect((await lockFor("xoxb-A", strategy).claim(CHANNEL, ts)).status).toBe("acquired");
      // The process died; a new one with the same token starts.
      const again = await lockFor("xoxb-A", strategy).claim(CHANNEL, ts);
      expect(again.status).toBe("acquired");
      expect((await lockFor("xoxb-B", strategy).claim(CHANNEL, ts)).status).toBe("held");
    });

    it("with a shared token, our bot user's claim is another instance's: held", async () => {
      const ts = message();
      const one = lockFor("xoxb-A", strategy, { sharedToken: true });
      const two = lockFor("xoxb-A", strategy, { sharedToken: true });
      expect((await one.claim(CHANNEL, ts)).status).toBe("acquired");
      expect((await two.claim(CHANNEL, ts)).status).toBe("held");
    });
  });
}

describe("slack lock, pin specifics", () => {
  it("a pin that went stale is replaced by the taker's own pin, with a fresh time", async () => {
    const ts = message();
    await lockFor("xoxb-A", "pin", { staleMs: 1000 }).claim(CHANNEL, ts);
    await sleep(2100);
    const taken = await lockFor("xoxb-B", "pin", { staleMs: 1000 }).claim(CHANNEL, ts);
    expect(taken.status).toBe("acquired");
    const [pin] = slack.pins(CHANNEL);
    expect(pin?.created_by).toBe("UBOTB");
    expect(Date.now() / 1000 - pin!.created).toBeLessThan(2);
    // The takeover emoji is taken back once the new pin is in place.
    expect(slack.reactions(CHANNEL, ts)).toEqual([]);
  });

  it("a fresh pin is never touched by a taker that read it stale", async () => {
    const ts = message();
    await lockFor("xoxb-A", "pin", { staleMs: 1000 }).claim(CHANNEL, ts);
    await sleep(2100);
    // Many takers at once, several rounds: still one pin, one winner.
    const takers = BOTS.slice(1).map((b) => lockFor(b.token, "pin", { staleMs: 1000 }));
    const results = await Promise.all(takers.map((l) => l.claim(CHANNEL, ts)));
    expect(acquired(results)).toHaveLength(1);
    expect(slack.pins(CHANNEL)).toHaveLength(1);
    expect(slack.callsTo("pins.remove").filter((c) => c.ok)).toHaveLength(1);
  });
});
