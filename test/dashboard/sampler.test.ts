import { describe, expect, it } from "vitest";
import { between, quantile } from "../../src/dashboard/histogram.js";
import { UNKNOWN_QUEUE } from "../../src/dashboard/probes.js";
import { MetricsSampler } from "../../src/dashboard/sampler.js";
import { Metrics } from "../../src/observability/metrics.js";

describe("histogram quantiles", () => {
  const bounds = [1, 2, 5];
  it("interpolates inside the bucket, as histogram_quantile does", () => {
    // 10 observations: 4 <= 1, 4 in (1, 2], 2 in (2, 5].
    const b = { bounds, cumulative: [4, 8, 10, 10] };
    expect(quantile(b, 0.5)).toBeCloseTo(1.25);
    expect(quantile(b, 0.99)).toBeCloseTo(2 + (3 * (9.9 - 8)) / 2);
    expect(quantile({ bounds, cumulative: [0, 0, 0, 0] }, 0.5)).toBeNull();
    // Past the last finite bound: that bound.
    expect(quantile({ bounds, cumulative: [0, 0, 0, 3] }, 0.5)).toBe(5);
  });

  it("subtracts an earlier reading", () => {
    expect(
      between({ bounds, cumulative: [1, 2, 3, 3] }, { bounds, cumulative: [2, 4, 6, 7] }).cumulative,
    ).toEqual([1, 2, 3, 4]);
  });
});

describe("MetricsSampler", () => {
  it("turns the metric objects into per-second points and per-minute figures", async () => {
    const metrics = new Metrics();
    const sampler = new MetricsSampler(metrics, { history: 5 });
    let inFlight = 3;
    const untrack = metrics.trackInFlight("default", () => inFlight);
    await sampler.sample();
    expect(sampler.series()).toEqual([]);

    metrics.requests.labels("accepted", "").inc(30);
    metrics.requests.labels("duplicate", "").inc(2);
    metrics.requests.labels("rejected", "signature_mismatch").inc(4);
    metrics.requests.labels("unavailable", "").inc(1);
    for (let i = 0; i < 95; i++) metrics.ackSeconds.observe(0.0008);
    for (let i = 0; i < 5; i++) metrics.ackSeconds.observe(0.2);
    metrics.deliveries.labels("default", "acked").inc(20);
    metrics.deliveries.labels("default", "dead_lettered").inc(1);
    metrics.handlerSeconds.labels("app_mention", "ok").observe(0.003);
    metrics.handlerSeconds.labels("app_mention", "error").observe(0.04);
    inFlight = 7;
    await new Promise((r) => setTimeout(r, 50));
    await sampler.sample();

    const [point] = sampler.series();
    const seconds = point!.accepted / 30;
    expect(seconds).toBeGreaterThan(0);
    expect(point!.duplicate).toBeCloseTo(2 * seconds, 0);
    expect(point!.rejected).toBeCloseTo(4 * seconds, 0);
    expect(point!.unavailable).toBeGreaterThan(0);
    expect(point!.ackP50).toBeGreaterThan(0.5);
    expect(point!.ackP50).toBeLessThanOrEqual(1);
    // In the (100 ms, 250 ms] bucket.
    expect(point!.ackP99).toBeGreaterThan(100);
    expect(point!.ackP99).toBeLessThanOrEqual(250);
    expect(point!.handled).toBeGreaterThan(0);
    expect(point!.failed).toBeGreaterThan(0);

    const group = sampler.group("default", UNKNOWN_QUEUE);
    expect(group.inFlight).toBe(7);
    expect(group.failuresLastMinute).toBe(1);
    expect(group.deadLetteredLastMinute).toBe(1);
    expect(group.handledPerSecond).toBeGreaterThan(0);
    expect(group.queue.depth).toBeNull();
    // A group with no worker in this process: in flight is unknown here, not 0.
    expect(sampler.group("elsewhere", UNKNOWN_QUEUE).inFlight).toBeNull();

    const [route] = sampler.routes();
    expect(route).toMatchObject({
      route: "app_mention",
      errorsLastMinute: 1,
      runsTotal: 2,
      failuresTotal: 1,
    });
    expect(route!.p50Ms).toBeGreaterThan(0);

    untrack();
    await sampler.sample();
    expect(sampler.group("default", UNKNOWN_QUEUE).inFlight).toBeNull();
    // The history is a ring: it keeps the last `history` points.
    for (let i = 0; i < 6; i++) await sampler.sample();
    expect(sampler.series()).toHaveLength(5);
  });
});
