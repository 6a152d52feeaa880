import { createHmac, createSecretKey, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkSlackSignature, signSlackRequest, verifySlackSignature } from "../../src/index.js";
import { SigningKey } from "../../src/ingress/signature.js";

// The worked example from Slack's "Verifying requests from Slack" page.
const SLACK_EXAMPLE = {
  signingSecret: "8f742231b10e8888abcd99yyyzzz85a5",
  timestamp: 1531420618,
  body:
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar" +
    "&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=" +
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN" +
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
  signature: "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
};

describe("verifySlackSignature", () => {
  it("accepts Slack's documented example", () => {
    expect(verifySlackSignature({ ...SLACK_EXAMPLE, nowSeconds: SLACK_EXAMPLE.timestamp + 10 })).toBe(true);
  });

  it("rejects a changed body, secret or signature", () => {
    const now = SLACK_EXAMPLE.timestamp;
    expect(verifySlackSignature({ ...SLACK_EXAMPLE, body: `${SLACK_EXAMPLE.body}x`, nowSeconds: now })).toBe(
      false,
    );
    expect(verifySlackSignature({ ...SLACK_EXAMPLE, signingSecret: "other", nowSeconds: now })).toBe(false);
    const flipped = `${SLACK_EXAMPLE.signature.slice(0, -1)}c`;
    expect(verifySlackSignature({ ...SLACK_EXAMPLE, signature: flipped, nowSeconds: now })).toBe(false);
  });

  it("rejects timestamps more than 300 s away in either direction, and non-numeric ones", () => {
    const t = SLACK_EXAMPLE.timestamp;
    expect(verifySlackSignature({ ...SLACK_EXAMPLE, nowSeconds: t + 300 })).toBe(true);
    expect(verifySlackSignature({ ...SLACK_EXAMPLE, nowSeconds: t + 301 })).toBe(false);
    expect(verifySlackSignature({ ...SLACK_EXAMPLE, nowSeconds: t - 301 })).toBe(false);
    expect(checkSlackSignature(["s"], { ...SLACK_EXAMPLE, timestamp: "12ab", nowSeconds: t })).toBe("stale");
    expect(checkSlackSignature(["s"], { ...SLACK_EXAMPLE, timestamp: undefined, nowSeconds: t })).toBe(
      "missing",
    );
    expect(checkSlackSignature(["s"], { ...SLACK_EXAMPLE, signature: undefined, nowSeconds: t })).toBe(
      "missing",
    );
    expect(checkSlackSignature(["s"], { ...SLACK_EXAMPLE, signature: "v1=abc", nowSeconds: t })).toBe(
      "mismatch",
    );
  });

  it("accepts any of several secrets (rotation)", () => {
    const body = '{"type":"event_callback"}';
    const { timestamp, signature } = signSlackRequest("new-secret", body);
    expect(checkSlackSignature(["old-secret", "new-secret"], { timestamp, signature, body })).toBeNull();
    expect(checkSlackSignature(["old-secret"], { timestamp, signature, body })).toBe("mismatch");
  });
});

describe("SigningKey", () => {
  it("computes what createHmac computes, for short, block-sized, long and non-ASCII secrets and bodies", () => {
    const secrets = [
      "s",
      "8f742231b10e8888abcd99yyyzzz85a5",
      "x".repeat(64),
      "y".repeat(65),
      "z".repeat(200),
      "sécret-ünïcode-🔑",
      randomBytes(48).toString("base64"),
    ];
    const bodies = [
      "",
      "a",
      '{"text":"héllo 👋"}',
      randomBytes(3000).toString("hex"),
      Buffer.from([0, 255, 1]),
    ];
    for (const secret of secrets) {
      const key = new SigningKey(secret);
      for (const body of bodies) {
        const expected = createHmac("sha256", secret).update("v0:1531420618:").update(body).digest();
        expect(key.sign("v0:1531420618:", body).equals(expected)).toBe(true);
      }
    }
  });

  it("checkSlackSignature takes secrets as strings, key objects or signing keys", () => {
    const now = SLACK_EXAMPLE.timestamp;
    const input = { ...SLACK_EXAMPLE, nowSeconds: now };
    const secret = SLACK_EXAMPLE.signingSecret;
    expect(checkSlackSignature(["wrong", secret], input)).toBeNull();
    expect(checkSlackSignature([createSecretKey(Buffer.from(secret))], input)).toBeNull();
    expect(checkSlackSignature([new SigningKey("wrong"), new SigningKey(secret)], input)).toBeNull();
    expect(checkSlackSignature([new SigningKey("wrong")], input)).toBe("mismatch");
  });
});
