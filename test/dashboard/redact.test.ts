import { describe, expect, it } from "vitest";
import { REDACTED, redact } from "../../src/dashboard/redact.js";

describe("redact", () => {
  it("removes credentials by field name, Slack tokens anywhere, and the secret part of hook URLs", () => {
    const body = {
      token: "legacy-verification-token",
      team_id: "T1",
      authorizations: [{ team_id: "T1", user_id: "U1", is_bot: true }],
      event: {
        type: "app_mention",
        text: "my token is xoxb-1234-5678-abcdefABCDEF and xapp-1-A1-2-ff please",
        bot_access_token: "xoxb-should-go",
        files: [{ url_private: "https://files.slack.com/x", headers: { Authorization: "Bearer xoxp-9-9" } }],
      },
      response_url: "https://hooks.slack.com/actions/T1/12345/SeCrEtSeCrEt",
      webhook: "https://hooks.slack.com/services/T1/B1/AbCdEf",
      client_secret: "s3cret",
      signature: "v0=abc",
      nothing: null,
      count: 3,
    };
    const shown = redact(body) as typeof body;
    const text = JSON.stringify(shown);
    for (const secret of [
      "legacy-verification-token",
      "xoxb-1234",
      "xapp-1-A1",
      "xoxb-should-go",
      "xoxp-9-9",
      "SeCrEtSeCrEt",
      "AbCdEf",
      "s3cret",
      "v0=abc",
    ])
      expect(text).not.toContain(secret);
    expect(shown.token).toBe(REDACTED);
    expect(shown.event.text).toBe(`my token is xoxb-${REDACTED} and xapp-${REDACTED} please`);
    expect(shown.response_url).toBe(`https://hooks.slack.com/actions/T1/12345/${REDACTED}`);
    expect(shown.webhook).toBe(`https://hooks.slack.com/services/T1/B1/${REDACTED}`);
    // What is not a credential stays as it was.
    expect(shown.authorizations).toEqual(body.authorizations);
    expect(shown.event.files[0]!.url_private).toBe("https://files.slack.com/x");
    expect(shown.nothing).toBeNull();
    expect(shown.count).toBe(3);
    // The input is not changed.
    expect(body.token).toBe("legacy-verification-token");
  });
});
