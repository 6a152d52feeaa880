import { describe, expect, it } from "vitest";
import { FIRST_TRY, headerValue, retryOf } from "../../src/ingress/request.js";

describe("request helpers", () => {
  it("retryOf reads Slack's retry headers; absent or garbled means the first try", () => {
    expect(retryOf({})).toBe(FIRST_TRY);
    expect(retryOf({ "x-slack-retry-num": "3", "x-slack-retry-reason": "http_error" })).toEqual({
      num: 3,
      reason: "http_error",
    });
    expect(retryOf({ "x-slack-retry-num": "abc" })).toEqual({ num: 0, reason: null });
  });

  it("headerValue ignores repeated headers (an array)", () => {
    expect(headerValue({ a: "1" }, "a")).toBe("1");
    expect(headerValue({ a: ["1", "2"] }, "a")).toBeUndefined();
    expect(headerValue({}, "a")).toBeUndefined();
  });
});
