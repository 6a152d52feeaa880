import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";

// A Lambda pays for every module its first invocation loads. These hold the line on what it must not
// load: checked in a fresh process on the built package, as a function's cold start would see it.
function loadedAfterImport(module: string): string[] {
  const script = `
    import { createRequire } from "node:module";
    await import(${JSON.stringify(join(ROOT, module))});
    console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));
  `;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").at(-1)!) as string[];
}

describe("the Lambda ingress's cold start", () => {
  it("importing slackline/aws loads no AWS SDK client and no Slack Web API client", () => {
    const loaded = loadedAfterImport("dist/aws/index.js");
    expect(loaded.filter((p) => p.includes("@aws-sdk/client-"))).toEqual([]);
    expect(loaded.filter((p) => p.includes("@slack/web-api"))).toEqual([]);
  });

  it("the ingress runtime without SLACK_BOT_TOKEN leaves @slack/web-api unloaded", () => {
    const loaded = loadedAfterImport("dist/aws/lambda-runtime.js");
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((p) => p.includes("@slack/web-api"))).toEqual([]);
  });
});
