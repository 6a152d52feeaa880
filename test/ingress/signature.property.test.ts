import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkSlackSignature,
  MAX_CLOCK_SKEW_SECONDS,
  SigningKey,
  signSlackRequest,
} from "../../src/ingress/signature.js";

const NOW = 1_700_000_000;
const secret = fc.string({ minLength: 1, maxLength: 100 });
const body = fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes));
const offset = fc.integer({ min: -2 * MAX_CLOCK_SKEW_SECONDS, max: 2 * MAX_CLOCK_SKEW_SECONDS });
const within = (s: number) => Math.abs(s) <= MAX_CLOCK_SKEW_SECONDS;

describe("Slack signatures (properties)", () => {
  it("verify iff computed over the exact bytes, with the secret, within the window", () => {
    fc.assert(
      fc.property(secret, body, offset, (key, bytes, skew) => {
        const { timestamp, signature } = signSlackRequest(key, bytes, NOW + skew);
        const result = checkSlackSignature([key], { timestamp, signature, body: bytes, nowSeconds: NOW });
        expect(result).toBe(within(skew) ? null : "stale");
      }),
    );
  });

  it("fail for any other bytes, secret or timestamp than those signed", () => {
    fc.assert(
      fc.property(
        secret,
        secret,
        body,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.integer({ min: 1, max: MAX_CLOCK_SKEW_SECONDS }),
        (key, other, bytes, at, flip, shift) => {
          const { timestamp, signature } = signSlackRequest(key, bytes, NOW);
          const check = (input: { timestamp?: string; body?: Buffer }, keys = [key]) =>
            checkSlackSignature(keys, { timestamp, signature, body: bytes, nowSeconds: NOW, ...input });
          if (bytes.length > 0) {
            const tampered = Buffer.from(bytes);
            tampered[at % bytes.length]! ^= flip;
            expect(check({ body: tampered })).toBe("mismatch");
          }
          expect(check({ body: Buffer.concat([bytes, Buffer.from(" ")]) })).toBe("mismatch");
          if (other !== key) expect(check({}, [other])).toBe("mismatch");
          // A timestamp still inside the window, but not the one signed.
          expect(check({ timestamp: String(NOW - shift) })).toBe("mismatch");
          // Any of several secrets (rotation).
          expect(check({}, [other, key])).toBeNull();
        },
      ),
    );
  });

  it("never throw on any header values, and classify every failure", () => {
    const header = fc.option(fc.oneof(fc.string(), fc.stringMatching(/^v0=[0-9a-fA-F]{0,70}$/)), {
      nil: undefined,
    });
    const stamp = fc.option(fc.oneof(fc.string(), fc.integer().map(String), fc.double().map(String)), {
      nil: undefined,
    });
    fc.assert(
      fc.property(secret, stamp, header, body, (key, timestamp, signature, bytes) => {
        const result = checkSlackSignature([key], { timestamp, signature, body: bytes, nowSeconds: NOW });
        expect([null, "missing", "stale", "mismatch"]).toContain(result);
        if (!timestamp || !signature) expect(result).toBe("missing");
        // 256 bits do not match by chance.
        expect(result).not.toBeNull();
      }),
    );
  });

  it("SigningKey computes HMAC-SHA256 exactly as node:crypto does, for keys of any length", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        fc.string({ maxLength: 40 }),
        body,
        (key, prefix, bytes) => {
          const ascii = prefix.replace(/[^\x20-\x7e]/g, "");
          const expected = createHmac("sha256", Buffer.from(key))
            .update(ascii, "latin1")
            .update(bytes)
            .digest();
          expect(new SigningKey(Buffer.from(key)).sign(ascii, bytes).equals(expected)).toBe(true);
        },
      ),
    );
  });
});
