import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BodyTooLargeError, readBodyAsync } from "../../../src/ingress/http/body.js";

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

/** A server that reads each body with a 16-byte limit and says what it got. */
async function start(): Promise<string> {
  server = createServer((req, res) => {
    readBodyAsync(req, 16).then(
      (body) => res.end(`ok ${body.length}`),
      (err) => res.end(err instanceof BodyTooLargeError ? `too large ${err.code}` : "failed"),
    );
  });
  await new Promise<void>((ready) => server!.listen(0, "127.0.0.1", ready));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe("readBody", () => {
  it("reads a body up to the limit", async () => {
    const url = await start();
    expect(await (await fetch(url, { method: "POST", body: "x".repeat(16) })).text()).toBe("ok 16");
  });

  it("a body over the limit fails with a coded error, declared or streamed", async () => {
    const url = await start();
    expect(await (await fetch(url, { method: "POST", body: "x".repeat(17) })).text()).toBe(
      "too large SLACKLINE_BODY_TOO_LARGE",
    );
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode("x".repeat(8)));
        controller.close();
      },
    });
    const res = await fetch(url, { method: "POST", body: stream, duplex: "half" } as RequestInit);
    expect(await res.text()).toBe("too large SLACKLINE_BODY_TOO_LARGE");
  });
});
