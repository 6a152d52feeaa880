import { describe, expect, it } from "vitest";
import { logFormat } from "../../src/observability/pretty.js";

describe("logFormat", () => {
  it("LOG_FORMAT wins over everything", () => {
    expect(logFormat({ LOG_FORMAT: "json" }, { dev: true, fd: 1 })).toBe("json");
    expect(logFormat({ LOG_FORMAT: "Pretty" }, { dev: false, fd: 2 })).toBe("pretty");
  });

  it("--dev is readable lines; otherwise a pipe gets JSON", () => {
    expect(logFormat({}, { dev: true, fd: 1 })).toBe("pretty");
    // Under the test runner stdout and stderr are pipes, as in production behind a log collector.
    expect(process.stdout.isTTY).toBeFalsy();
    expect(logFormat({}, { dev: false, fd: 1 })).toBe("json");
    expect(logFormat({ LOG_FORMAT: "nonsense" }, { dev: false, fd: 2 })).toBe("json");
  });
});
