import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NatsNoReplyError, Replies } from "../../src/queue/backends/nats/replies.js";
import { uniqueTopic } from "../../src/testing/envelopes.js";
import { NATS_URL, requireService } from "../helpers/services.js";

const available = await requireService("NATS", NATS_URL);

describe.skipIf(!available)("nats Replies (request-reply over one inbox)", () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
  });
  afterAll(async () => {
    await nc.close();
  });

  it("matches each reply to its request, whatever order the replies come in", async () => {
    const subject = uniqueTopic("echo");
    const held: { respond(data: string): void; data: string }[] = [];
    const sub = nc.subscribe(subject, {
      callback: (_err, msg) => {
        held.push({ respond: (d) => msg.respond(d), data: msg.string() });
        // Answer in reverse once all three are in.
        if (held.length === 3) for (const h of [...held].reverse()) h.respond(`re:${h.data}`);
      },
    });
    const replies = new Replies(nc, 2000);
    try {
      const answers = await Promise.all(["a", "b", "c"].map((d) => replies.request(subject, d)));
      expect(answers.map((m) => m.string())).toEqual(["re:a", "re:b", "re:c"]);
    } finally {
      replies.close();
      sub.unsubscribe();
    }
  });

  it("rejects at once when nobody listens, and after the timeout when nobody answers", async () => {
    const replies = new Replies(nc, 300);
    const silent = uniqueTopic("silent");
    const sub = nc.subscribe(silent, { callback: () => {} });
    await nc.flush();
    try {
      const started = Date.now();
      await expect(replies.request(uniqueTopic("nobody"), "x")).rejects.toThrow(/no responders/);
      expect(Date.now() - started).toBeLessThan(250);
      const err = await replies.request(silent, "x").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NatsNoReplyError);
      expect((err as NatsNoReplyError).code).toBe("SLACKLINE_BACKEND_NO_REPLY");
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      replies.close();
      sub.unsubscribe();
    }
  });

  it("confirmed(): the requests of one turn share one promise, settled once all replies are in", async () => {
    const subject = uniqueTopic("acks");
    let seen = 0;
    const sub = nc.subscribe(subject, {
      callback: (_err, msg) => {
        seen++;
        msg.respond("");
      },
    });
    const replies = new Replies(nc, 2000);
    try {
      const payload = new TextEncoder().encode("+ACK");
      const promises = Array.from({ length: 5 }, () => replies.confirmed(subject, payload));
      expect(new Set(promises).size).toBe(1);
      await promises[0];
      expect(seen).toBe(5);
      // A later turn gets a promise of its own.
      expect(replies.confirmed(subject, payload)).not.toBe(promises[0]);
      // One failure fails its turn's promise.
      const failing = [replies.confirmed(subject, payload), replies.confirmed(uniqueTopic("gone"), payload)];
      expect(failing[0]).toBe(failing[1]);
      await expect(failing[0]).rejects.toThrow(/no responders/);
    } finally {
      replies.close();
      sub.unsubscribe();
    }
  });
});
