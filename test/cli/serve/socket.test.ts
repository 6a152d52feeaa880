import { describe, expect, it } from "vitest";
import { socketModeSettings } from "../../../src/cli/serve/socket.js";
import { readConfig } from "../../../src/config/config.js";

const settings = (env: Record<string, string>, flags: { socketMode?: boolean; dev?: boolean } = {}) =>
  socketModeSettings(readConfig(env), flags);
const TOKEN = { SLACK_APP_TOKEN: "xapp-1-A1-1-abc" };

describe("Socket Mode settings", () => {
  it("off unless --socket-mode or SLACK_SOCKET_MODE asks for it", () => {
    expect(settings(TOKEN)).toBeNull();
    expect(settings({ ...TOKEN, SLACK_SOCKET_MODE: "0" })).toBeNull();
    expect(settings({ ...TOKEN, SLACK_SOCKET_MODE: "1" })).toMatchObject({ connections: 1, http: false });
    expect(settings(TOKEN, { socketMode: true })?.appToken).toBe(TOKEN.SLACK_APP_TOKEN);
    expect(() => settings({ ...TOKEN, SLACK_SOCKET_MODE: "maybe" })).toThrow(
      /^SLACK_SOCKET_MODE must be 1 or 0/,
    );
  });

  it("SLACK_APP_TOKEN must be an xapp- token; the error names the variable and the fix", () => {
    const on = { socketMode: true };
    expect(() => settings({}, on)).toThrow(/^SLACK_APP_TOKEN is not set; .*connections:write/);
    expect(() => settings({ SLACK_APP_TOKEN: "xoxb-123" }, on)).toThrow(
      /^SLACK_APP_TOKEN must be an app-level token starting with xapp- \(got a xoxb- token/,
    );
    expect(() => settings({ SLACK_APP_TOKEN: "hello" }, on)).toThrow(
      /^SLACK_APP_TOKEN must be an app-level token/,
    );
  });

  it("SLACK_SOCKET_CONNECTIONS is 1..10", () => {
    const on = { socketMode: true };
    expect(settings({ ...TOKEN, SLACK_SOCKET_CONNECTIONS: "4" }, on)?.connections).toBe(4);
    expect(() => settings({ ...TOKEN, SLACK_SOCKET_CONNECTIONS: "11" }, on)).toThrow(/1\.\.10/);
    expect(() => settings({ ...TOKEN, SLACK_SOCKET_CONNECTIONS: "0" }, on)).toThrow(
      /SLACK_SOCKET_CONNECTIONS/,
    );
  });

  it("/slack/events beside the socket when a signing secret is set, or with --dev", () => {
    expect(settings({ ...TOKEN, SLACK_SIGNING_SECRET: "s" }, { socketMode: true })?.http).toBe(true);
    expect(settings(TOKEN, { socketMode: true, dev: true })?.http).toBe(true);
    expect(settings(TOKEN, { socketMode: true })?.http).toBe(false);
  });
});
