import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// In your own package: import { queueBackendContract } from "slackline/contract";
import { queueBackendContract } from "../../../src/testing/contract.js";
import factory from "../src/index.js";

// The same suite every built-in backend passes. A backend that cannot meet a test passes
// `skip: { "<test title>": "why" }`, and the reason is printed.
queueBackendContract({ name: "example plugin", create: () => factory.fromEnv({}) });

describe("example plugin package", () => {
  it("declares its backend the way Slackline discovers it", () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(manifest.slackline.backends).toEqual({ example: "./dist/index.js" });
    expect(factory.name).toBe("example");
    expect(typeof factory.fromEnv).toBe("function");
  });
});
