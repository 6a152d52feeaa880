import { describe, expect, it } from "vitest";
import * as slackline from "../src/index.js";
import * as testing from "../src/testing/index.js";

// The package's public surface is deliberate: adding or removing a name is a decision, made here.
describe("public API", () => {
  it("slackline exports what users need and no internals", () => {
    expect(Object.keys(slackline).sort()).toEqual(
      [
        "ConfigError",
        "DEFAULT_DEDUP_TTL_SECONDS",
        "DEFAULT_LEASE_MS",
        "LockTargetError",
        "Metrics",
        "QueueClosedError",
        "RetryLaterError",
        "Router",
        "SlackLock",
        "SlackLockError",
        "SlacklineError",
        "UnrecoverableError",
        "WORKER_DEFAULTS",
        "Worker",
        "checkSlackSignature",
        "createLogger",
        "createSlackLock",
        "createWebClient",
        "dlqTopic",
        "envelopeJson",
        "errorText",
        "hasCode",
        "isEnvelope",
        "loadEnv",
        "readConfig",
        "resolveBackend",
        "signSlackRequest",
        "slackRouteLock",
        "slackRouteLockFromEnv",
        "verifySlackSignature",
      ].sort(),
    );
    for (const internal of ["parseSlackBody", "IngressPublisher", "bodyFormat", "payloadOf", "loadHandlers"])
      expect(slackline).not.toHaveProperty(internal);
  });

  it("every error class carries a stable code and keeps its cause", () => {
    const cause = new Error("the socket closed");
    const err = new slackline.ConfigError("set REDIS_URL", { cause });
    expect(err).toBeInstanceOf(slackline.SlacklineError);
    expect(err.code).toBe("SLACKLINE_CONFIG");
    expect(err.cause).toBe(cause);
    expect(err.name).toBe("ConfigError");
    expect(new slackline.QueueClosedError("sqlite").code).toBe("SLACKLINE_QUEUE_CLOSED");
    expect(new slackline.UnrecoverableError("no").code).toBe("SLACKLINE_UNRECOVERABLE");
    expect(new slackline.RetryLaterError(10).code).toBe("SLACKLINE_RETRY_LATER");
    expect(slackline.hasCode(err, "SLACKLINE_CONFIG")).toBe(true);
  });

  it("slackline/testing has the fake Slack, the Socket Mode stand-in, signing helpers and an in-memory queue", () => {
    for (const name of [
      "FakeSlack",
      "SocketModeServer",
      "DEFAULT_APP_TOKEN",
      "signSlackRequest",
      "MemoryQueue",
      "DeliveryCollector",
      "sampleEnvelope",
      "slackLambdaEvent",
    ])
      expect(testing).toHaveProperty(name);
  });
});
