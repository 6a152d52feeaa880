import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TOOL_CATALOG, ToolGate, type ToolName, unknownToolNames } from "../../src/mcp/tools/catalog.js";
import { ROOT } from "../helpers/cli.js";

const NAMES = Object.keys(TOOL_CATALOG) as ToolName[];

describe("the tool catalogue", () => {
  it("the README's MCP table has one row per tool, with its methods and token", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const rows = readme.split("\n").filter((l) => /^\| `slack_[a-z_]+` \|/.test(l));
    expect(rows.map((r) => /^\| `([a-z_]+)`/.exec(r)![1]).sort()).toEqual([...NAMES].sort());
    for (const row of rows) {
      const name = /^\| `([a-z_]+)`/.exec(row)![1] as ToolName;
      const info = TOOL_CATALOG[name];
      const cells = row.split("|").map((c) => c.trim());
      for (const method of info.methods) expect(cells[2], name).toContain(method);
      expect(cells[3], name).toContain(info.token === "inbox" ? "none" : info.token);
      for (const scope of info.scopes) expect(cells[4], name).toContain(scope);
    }
  });

  it("the gate: tokens, the allow-list and read-only mode", () => {
    const gate = (o: Partial<ConstructorParameters<typeof ToolGate>[0]>) =>
      new ToolGate({ bot: true, user: true, inbox: true, readOnly: false, allow: null, ...o }).offered();
    expect(gate({})).toEqual(NAMES);
    expect(gate({ user: false })).not.toContain("slack_search_messages");
    expect(gate({ bot: false, inbox: false })).toEqual(["slack_search_messages", "slack_list_unreads"]);
    expect(gate({ readOnly: true }).some((n) => TOOL_CATALOG[n].write)).toBe(false);
    expect(gate({ allow: new Set(["slack_get_user"]) })).toEqual(["slack_get_user"]);
    expect(unknownToolNames(new Set(["slack_get_user", "slack_nope"]))).toEqual(["slack_nope"]);
  });
});
