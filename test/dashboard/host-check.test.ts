import { describe, expect, it } from "vitest";
import { HostCheck, hostList, hostnameOf } from "../../src/dashboard/host-check.js";

describe("HostCheck (DNS-rebinding protection)", () => {
  const check = new HostCheck(["ops.example.com", ".internal.example"], "buildbox");

  it("allows IP literals, localhost and its subdomains, the machine's name, and listed names", () => {
    for (const host of [
      "127.0.0.1:3000",
      "10.1.2.3",
      "[::1]:3000",
      "localhost:3000",
      "LOCALHOST",
      "app.localhost:8080",
      "buildbox:3000",
      "ops.example.com",
      "a.internal.example",
      "internal.example",
    ])
      expect(check.allows(host), host).toBe(true);
  });

  it("refuses names it does not know, a missing Host and a malformed one", () => {
    for (const host of [
      "evil.example",
      "ops.example.com.evil.example",
      "localhost.evil.example",
      "xinternal.example",
      "",
      undefined,
      "bad host",
    ])
      expect(check.allows(host), String(host)).toBe(false);
  });

  it("reads hostnames without port or brackets, and lists from a comma-separated variable", () => {
    expect(hostnameOf("[::1]:80")).toBe("::1");
    expect(hostnameOf("Example.COM:1")).toBe("example.com");
    expect(hostList(" a.example , ,b.example")).toEqual(["a.example", "b.example"]);
    expect(hostList(undefined)).toEqual([]);
  });
});
